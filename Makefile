# Dromos: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CLIENT_VENV := .venv-chronos-client
CLIENT_STAMP := $(CLIENT_VENV)/.installed
# Python modules of Apache Mesos's v1 .proto files, for the tests' protocol oracle.
PROTO_STAMP := tests/protocol/generated/.generated
OPS_VENV := .venv-ops
OPS_STAMP := $(OPS_VENV)/.installed
PORT ?= 8080
DATA_DIR ?= data

.PHONY: install ops-deps test-servers browser discovery-deps containers run test lint bench clean

install: $(STAMP) $(CLIENT_STAMP) $(PROTO_STAMP)

$(STAMP): setup.cfg pyproject.toml tools/install_http_parser.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip setuptools wheel
	tools/install_http_parser.sh $(PY)
	$(PY) -m pip install -q -e '.[test]'
	touch $@

$(PROTO_STAMP): $(STAMP) tools/gen_mesos_protos.sh $(wildcard tests/protocol/proto/mesos/v1/*.proto tests/protocol/proto/mesos/v1/*/*.proto)
	tools/gen_mesos_protos.sh $(PY)
	touch $@

# chronos-python's module is called `chronos`, like our package: it gets its own venv.
$(CLIENT_STAMP): tools/client-requirements.txt
	test -x $(CLIENT_VENV)/bin/python || $(PYTHON) -m venv $(CLIENT_VENV)
	$(CLIENT_VENV)/bin/python -m pip install -q -r tools/client-requirements.txt
	touch $@

# ansible-lint, vagrant and systemd-analyze for the tests of ansible/ and the Vagrantfile.
ops-deps: $(OPS_STAMP)

$(OPS_STAMP): tools/ops-requirements.txt tools/install_ops_deps.sh
	tools/install_ops_deps.sh
	test -x $(OPS_VENV)/bin/python || $(PYTHON) -m venv $(OPS_VENV)
	$(OPS_VENV)/bin/python -m pip install -q -r tools/ops-requirements.txt
	touch $@

# PostgreSQL and ZooKeeper from Debian, which the tests start themselves (tests/support).
test-servers:
	tools/install_test_servers.sh

# headless Chromium and chromedriver from Debian, for the browser tests (tests/e2e/ui,
# tests/e2e/security/test_cross_origin_browser.py).
browser:
	tools/install_browser.sh

# HAProxy, dig and Prometheus, which the discovery tests start on 127.0.0.1.
discovery-deps:
	tools/install_discovery_deps.sh

# podman, runc and busybox-static from Debian: the docker containerizer's tests run tasks
# in podman containers of a busybox image they build (tests/support/container_images.py);
# and perl, which arms the alarm a job run launched ahead of its slot waits for.
containers:
	tools/install_containers.sh

run: install
	$(VENV)/bin/dromos dev --port $(PORT) --data-dir $(DATA_DIR)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

# Each test module runs whole on one worker: its module-scoped `dromos dev` is shared by its
# tests in order.
test: install ops-deps test-servers browser discovery-deps containers lint
	$(VENV)/bin/pytest -n 2 --dist loadfile

bench: install
	$(PY) -m bench

clean:
	rm -rf $(VENV) $(CLIENT_VENV) $(OPS_VENV) build *.egg-info
