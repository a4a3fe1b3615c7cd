"""Runs moto's server for the offline stack, with adjustments to its DynamoDB and SQS emulation.

moto's server handles requests on threads. Its TransactWriteItems takes a rollback copy of the table by
iterating over every item; when another request writes to the same table meanwhile (a sync worker's batch
writes while the API links a second bank), the iteration fails with "dictionary changed size during
iteration" and the transaction answers 500, which DynamoDB itself never does. It also takes that copy
once per action, so a 100-action transaction on a table of 20,000 items copies the table 100 times.

So this launcher
  * runs DynamoDB requests one at a time (other services, like SQS long polls, stay concurrent), and
  * takes the rollback copy once per table per transaction (all copies are taken before any action runs,
    so they are identical; keeping one changes nothing else).

moto's Query first lists every item of the table sorted by key (`Table.query` and `Table.all_items` in
moto/dynamodb/models/table.py), then keeps the partition asked for, so a Query of one user's few accounts
costs time in proportion to everything the table holds; DynamoDB reads the partition's matching keys only. A
sync's duration on moto then grows with other users' rows, and so would what the benchmark bills for it. The
launcher
  * hands a Query of the table's own key only the queried partition's items that meet its sort key
    condition, sorted the same way; the rest of moto's Query (the same condition again, order, limit, start
    key, filters) runs unchanged, and an item it would have skipped is one it never sees;
  * hands a Query of an index the table's items unsorted: moto still checks every item against the index
    key, but sorts only the matches (by index key, then table key: an order that does not depend on the
    order they came in), instead of the whole table first.

moto's SQS recounts a queue's messages (visible, in flight, delayed) whenever it reads the queue's attributes,
which its FIFO send path does several times per message, and each message's check reads the clock through a
slow datetime computation. Sending to a FIFO queue that holds a few thousand messages then takes seconds per
batch (the auto-sync scheduler test sends thousands). The launcher
  * computes those counts and the visible-message list against one clock reading per call, with the same
    comparisons moto makes (`now > visible_at`, `now < delayed_until`).

moto's server also answers every web origin's CORS preflight (flask-cors on the whole app), so while it runs
any page open in the developer's browser could read the secrets, scan the table or call KMS on 127.0.0.1
(moto checks no signatures). The launcher
  * sets MOTO_DISABLE_GLOBAL_CORS before moto is imported (moto reads it at import: moto/settings.py), so no
    answer carries Access-Control-Allow-Origin and browsers keep cross-origin pages out. The SDKs are not
    browsers and never look at CORS, so the stack itself is unaffected.

Usage: python moto_server.py -H 127.0.0.1 -p 4566
"""

import argparse
import copy
import os
import threading

# Forced rather than defaulted: no inherited environment may switch cross-origin access back on.
os.environ["MOTO_DISABLE_GLOBAL_CORS"] = "true"

from moto.core.utils import unix_time_millis
from moto.dynamodb.models import DynamoDBBackend, Table
from moto.sqs.models import Queue
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import run_simple

_dynamodb_lock = threading.Lock()
_real_deepcopy = copy.deepcopy
_original_transact_write_items = DynamoDBBackend.transact_write_items
_original_query = Table.query


def _transact_write_items_with_one_backup_per_table(self, transact_items):
    backups = {}

    def deepcopy_once_per_table(value, memo=None):
        if isinstance(value, Table):
            if id(value) not in backups:
                backups[id(value)] = _real_deepcopy(value, memo)
            return backups[id(value)]
        return _real_deepcopy(value, memo)

    # DynamoDB requests are serialised below, so no other thread runs moto's DynamoDB code meanwhile.
    copy.deepcopy = deepcopy_once_per_table
    try:
        return _original_transact_write_items(self, transact_items)
    finally:
        copy.deepcopy = _real_deepcopy


DynamoDBBackend.transact_write_items = _transact_write_items_with_one_backup_per_table


class _TableView:
    """The table, as moto's Query reads it, with `all_items()` (the items it starts from) given by a subclass."""

    def __init__(self, table):
        self._table = table

    def __getattr__(self, name):
        return getattr(self._table, name)


class _QueriedPartition(_TableView):
    """A table as a Query of its own key needs it: `all_items()` yields the partition's items in the key range."""

    def __init__(self, table, hash_key, range_comparison, range_objs):
        super().__init__(table)
        self._hash_key = hash_key
        self._range_comparison = range_comparison
        self._range_objs = range_objs

    def all_items(self):
        # `items` maps each hash key to its item, or (with a range key) to a dict of its items by range key.
        partition = self._table.items.get(self._hash_key)
        if partition is None:
            return []
        items = list(partition.values()) if self._table.range_key_attr else [partition]
        if self._range_comparison:
            # The test moto's Query applies to each item of a table query (`result.range_key.compare`).
            items = [item for item in items if item.range_key.compare(self._range_comparison, self._range_objs)]
        return sorted(items, key=lambda item: (item.hash_key, item.range_key) if item.range_key else item.hash_key)


class _UnsortedTable(_TableView):
    """A table as a Query of an index needs it: `all_items()` yields every item, in no particular order."""

    def all_items(self):
        if not self._table.range_key_attr:
            return list(self._table.items.values())
        return [item for partition in self._table.items.values() for item in partition.values()]


def _query_reading_less(self, hash_key, range_comparison, range_objs, *args, **kwargs):
    # moto's DynamoDBBackend.query passes index_name as the eighth positional argument.
    index_name = args[4] if len(args) > 4 else kwargs.get("index_name")
    if index_name:
        table = _UnsortedTable(self)
    elif hash_key is not None:
        table = _QueriedPartition(self, hash_key, range_comparison, range_objs)
    else:
        table = self
    return _original_query(table, hash_key, range_comparison, range_objs, *args, **kwargs)


Table.query = _query_reading_less


def _visible_messages(queue):
    now = unix_time_millis()
    return [message for message in queue._messages if now > message.visible_at and not now < message.delayed_until]


def _count_not_visible(queue):
    now = unix_time_millis()
    return sum(1 for message in queue._messages if not now > message.visible_at)


def _count_delayed(queue):
    now = unix_time_millis()
    return sum(1 for message in queue._messages if now < message.delayed_until)


Queue.messages = property(_visible_messages)
Queue.approximate_number_of_messages = property(lambda queue: len(_visible_messages(queue)))
Queue.approximate_number_of_messages_not_visible = property(_count_not_visible)
Queue.approximate_number_of_messages_delayed = property(_count_delayed)


class SerialisedDynamoDB:
    """WSGI middleware: DynamoDB calls (JSON protocol, `X-Amz-Target: DynamoDB_...`) run one at a time."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            with _dynamodb_lock:
                # The response body is produced inside the lock: moto builds it while handling the request.
                return list(self.app(environ, start_response))
        return self.app(environ, start_response)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=4566)
    args = parser.parse_args()
    # moto's own entry point does this; some services build URLs from it.
    os.environ.setdefault("MOTO_PORT", str(args.port))
    app = SerialisedDynamoDB(DomainDispatcherApplication(create_backend_app))
    run_simple(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
