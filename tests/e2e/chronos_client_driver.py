"""Runs chronos-python calls for the end-to-end tests, inside the client's own virtualenv.

    .venv-chronos-client/bin/python tests/e2e/chronos_client_driver.py HOST:PORT < calls.json

stdin: a JSON list of [method, args...] calls on `chronos.connect(HOST:PORT)`;
stdout: a JSON list with {"ok": result} or {"error": message} per call. Its own
virtualenv, because the client's module is named `chronos` like Dromos's package.
"""

import json
import sys

import chronos  # chronos-python


def main() -> None:
    client = chronos.connect(sys.argv[1])
    results = []
    for method, *args in json.load(sys.stdin):
        try:
            results.append({"ok": getattr(client, method)(*args)})
        except chronos.ChronosError as error:
            results.append({"error": str(error)})
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
