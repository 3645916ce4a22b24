// Package bench holds Skiff's benchmarks that need the built binary: idle
// partition cost (RSS, mappings, descriptors, restart time with 10,000 and
// 30,000 partitions) and topic-create cost as topics grow. Throughput and
// latency against the reference broker are measured side by side by
// ../shared/tools/perf/sidebyside.sh; README.md here has the commands and
// the measured tables.
package bench
