# payout: common tasks. `make test` is what CI runs.
GO            ?= go
STATICCHECK   ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
FUZZTIME      ?= 15s
BENCHTIME     ?= 1s
# MODULES: every module of the repository (go.work uses the same list);
# test, vet and lint cover all of them.
MODULES       := . ./pgstore ./payoutriver ./examples/riverbatch
PKGS          := $(addsuffix /...,$(MODULES))
# TESTDB runs a command beside a throwaway PostgreSQL (PAYOUT_TEST_DATABASE_URL).
TESTDB        ?= scripts/testdb

.PHONY: all test vet lint fmt bench bench-all bench-pgstore fuzz cover chaos proof tidy download

all: lint test

## test: vet, then every test of every module with the race detector, beside a throwaway PostgreSQL (CI runs this)
test: vet
	$(TESTDB) $(GO) test -race -count=1 $(PKGS)

vet:
	@unformatted=$$(gofmt -l . ); if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet $(PKGS)

## lint: staticcheck at a pinned version, fetched through the module proxy
lint: vet
	$(GO) run $(STATICCHECK) $(PKGS)

fmt:
	gofmt -w .

BENCHSTAT     ?= golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
BENCHCOUNT    ?= 5
BENCHPKGS     := ./internal/bench ./phone ./money ./webhook

## bench: the SDK beside hand-written clients, and the parsers (BENCHMARKS.md); raw output in bench.txt
bench:
	$(GO) test -run='^$$' -bench=. -benchmem -benchtime=$(BENCHTIME) -count=$(BENCHCOUNT) $(BENCHPKGS) > bench.txt; s=$$?; cat bench.txt; exit $$s
	$(GO) run $(BENCHSTAT) -filter '.name:/^(PalPluss|PayOS|Webhook)/' -col /client bench.txt
	$(GO) run $(BENCHSTAT) -filter '.name:Overhead' bench.txt
	$(GO) run $(BENCHSTAT) -filter '-.name:/^(PalPluss|PayOS|Webhook|Overhead)/' -table pkg bench.txt

## bench-all: every benchmark of every package, once
bench-all:
	$(TESTDB) $(GO) test -run='^$$' -bench=. -benchmem -benchtime=$(BENCHTIME) $(PKGS)

## fuzz: a short run of every fuzz target (FUZZTIME each)
fuzz:
	@set -e; for pkg in $$($(GO) list $(PKGS)); do \
		for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "fuzz $$pkg $$t"; \
			$(GO) test -run='^$$' -fuzz="^$$t$$" -fuzztime=$(FUZZTIME) $$pkg; \
		done; \
	done

## proof: payoutriver's durable-batch proof (5,000 payouts, 3 replicas, faults, lost webhooks, a hard stop) without the race detector, with its figures
proof:
	$(TESTDB) $(GO) test -count=1 -run TestProofDurableBatch -v ./payoutriver/

## chaos: exactly-once suite, 1,000 payouts per scenario under random faults; prints the counts
chaos:
	$(GO) test -race -count=1 -run 'TestChaos|TestRegression' -v ./internal/chaos -args -chaos.n=1000

## cover: coverage profile and per-function summary
cover:
	$(TESTDB) $(GO) test -race -coverprofile=coverage.out $(PKGS)
	$(GO) tool cover -func=coverage.out | tail -n 1

tidy:
	@set -e; for m in $(MODULES); do (cd $$m && $(GO) mod tidy); done

## download: fetch and verify every module's dependencies (CI runs this first)
download:
	@set -e; for m in $(MODULES); do echo "download $$m"; (cd $$m && GOWORK=off $(GO) mod download && GOWORK=off $(GO) mod verify); done

## bench-pgstore: the pgstore benchmarks (Store, Limiter, a bare round trip) on a throwaway loopback PostgreSQL
bench-pgstore:
	$(TESTDB) $(GO) test -run='^$$' -bench=. -benchmem -benchtime=$(BENCHTIME) ./pgstore/
