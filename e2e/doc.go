// Package e2e holds tests that need more than one process: the built skiff
// binary under SIGKILL and disk faults, real Kafka clients (kcat,
// confluent-kafka, kafka-python, sarama, kafka-go), the container image
// and, later, multi-node clusters. It has no non-test code.
//
// TestMain builds ./cmd/skiff once per run; each test starts its own
// broker processes on free loopback ports with temp log dirs
// (broker_test.go), waits for /readyz, keeps each start's JSON log in a
// file (printed on failure), and stops only the PIDs it started (SIGTERM,
// then SIGKILL after a bound). Tests treat the broker as a black box: they
// see its wire protocol, HTTP endpoints, exit codes, log lines and files,
// and import nothing from the module.
//
//   - crash_test.go: SIGKILL mid-stream under an idempotent acks=all
//     producer, three times; every acknowledged record survives exactly
//     once, in order, without offset gaps.
//   - shutdown_test.go: SIGTERM and SIGINT exit 0 and mark the dirs clean;
//     the next start skips recovery.
//   - corrupt_test.go: torn, bit-flipped and garbage-appended segments are
//     cut back to the last valid batch at start, and the cut is logged.
//   - fulldisk_test.go (root): a full tmpfs answers KAFKA_STORAGE_ERROR,
//     keeps every acknowledged batch and no partial one, and recovers when
//     space comes back.
//   - badframes_test.go: malformed frames close only their connection;
//     claimed-but-unsent frames do not cost memory.
//   - config_test.go: configuration precedence seen through
//     DescribeConfigs; dirs of another cluster and locked dirs refused.
//   - kcat_test.go, python_test.go (testdata/*.py), sarama_test.go,
//     kafkago_test.go: real clients round-trip exact records.
//   - docker_test.go: deploy/Dockerfile builds, runs, passes its health
//     check and serves through its published port.
//
// Each test skips with a message when what it needs is missing (kcat,
// /usr/bin/python3 with confluent_kafka or kafka, root, docker). A test
// that hits a known bug of another package skips with "BUG: ..." naming
// it, and runs in full again once the bug is fixed.
//
// Environment: SKIFF_E2E_BIN=path tests a prebuilt binary instead of
// building one; SKIFF_E2E_RACE=1 builds the binary with -race;
// SKIFF_E2E_SEED replays TestCrashSafety's kill timings.
package e2e
