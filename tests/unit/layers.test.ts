/**
 * The layer rules (`.dependency-cruiser.cjs` and `tests/helpers/layer-check.ts`) hold for the code, and each
 * of them reports a deliberately wrong import in a fixture tree, so a passing check means something.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkLayers, repositoryRoot, type LayerViolation } from '../helpers/layer-check';

// Cruising the whole repository parses ~300 modules with the TypeScript compiler.
const cruiseTimeout = 60_000;

describe('layer rules', () => {
  it('hold for shared/, functions/ and everything that imports them', { timeout: cruiseTimeout }, async () => {
    expect(await checkLayers()).toEqual([]);
  });

  describe('on a tree with wrong imports', () => {
    let violations: LayerViolation[];
    beforeAll(async () => {
      violations = await checkLayers({
        baseDir: path.join(repositoryRoot, 'tests/fixtures/layers'),
        paths: ['shared', 'functions', 'infra'],
      });
    }, cruiseTimeout);

    const reported = (rule: string) =>
      violations.filter((violation) => violation.rule === rule).map(({ from, to }) => `${from} → ${to}`);

    it('report runtime code importing infra/', () => {
      expect(reported('no-upward-imports')).toEqual(['shared/banking/reads-infra-settings.ts → infra/stack-settings.ts']);
    });

    it('report an SDK package in a domain folder', () => {
      expect(reported('no-sdk-in-domain')).toEqual([
        expect.stringMatching(/^shared\/sync\/uses-sdk\.ts → .*node_modules\/@aws-sdk\/client-sqs\//),
      ]);
    });

    it('report a domain folder importing an adapter', () => {
      expect(reported('no-adapters-in-domain')).toEqual(['shared/sync/calls-adapter.ts → shared/adapters/row-writer.ts']);
    });

    it('report an adapter importing a use-case', () => {
      expect(reported('no-use-cases-in-adapters')).toEqual(['shared/adapters/row-writer.ts → shared/webhooks/on-row-written.ts']);
    });

    it('report an import of an entry point in functions/', () => {
      expect(reported('no-imports-of-functions')).toEqual(['shared/sync/imports-handler.ts → functions/http/handler.ts']);
    });

    it('report circular modules (once per cycle)', () => {
      expect(reported('no-module-cycles')).toEqual([
        expect.stringMatching(/^shared\/sync\/(cursor|freshness)\.ts → shared\/sync\/(freshness|cursor)\.ts$/),
      ]);
    });

    it('report every folder import that closes a cycle between folders of shared/', () => {
      expect(reported('no-folder-cycles-in-shared').sort()).toEqual([
        'shared/adapters → shared/webhooks (shared/adapters/row-writer.ts → shared/webhooks/on-row-written.ts)',
        'shared/sync → shared/adapters (shared/sync/calls-adapter.ts → shared/adapters/row-writer.ts)',
        'shared/webhooks → shared/sync (shared/webhooks/on-row-written.ts → shared/sync/freshness.ts)',
      ]);
    });
  });
});
