/** A few DOM helpers: the console is small enough to render plain elements without a framework. */
export type Child = Node | string;

type Attributes = Record<string, string | ((event: Event) => unknown)>;

/** `h('button', { class: 'primary', onclick: handler }, ['Save'])`: an element with attributes, listeners and children. */
export function h(tag: string, attributes: Attributes = {}, children: readonly Child[] = []): HTMLElement {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === 'function') node.addEventListener(name.slice(2), value);
    else if (name === 'value') (node as HTMLInputElement).value = value;
    else node.setAttribute(name, value);
  }
  node.append(...children.filter((child) => child !== ''));
  return node;
}

/** `"-12.34", "USD"` → `-$12.34`; exact decimal strings are formatted, never summed here. */
export function money(amount: string | null, currency: string): string {
  if (amount === null) return '—';
  const value = Number(amount);
  return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(value);
}

export function shortDate(iso: string | null): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** A calendar date (`3 May 2025`), for deadlines where the time of day says nothing useful. */
export function dateOnly(iso: string): string {
  return new Date(iso).toLocaleDateString(undefined, { dateStyle: 'medium' });
}
