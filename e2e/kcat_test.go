package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// toolTimeout bounds one run of an external client (kcat, a Python script).
const toolTimeout = 90 * time.Second

// runTool runs an external client with stdin, failing the test on a
// non-zero exit or on timeout, and returns its stdout.
func runTool(t testing.TB, stdin string, argv ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = cleanEnv()
	cmd.Stdin = strings.NewReader(stdin)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v (timeout %v)\nstdout:\n%s\nstderr:\n%s", strings.Join(argv, " "), err, toolTimeout, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// consumedRecord is one record a client read back, by partition and offset.
type consumedRecord struct {
	Partition int32  `json:"p"`
	Offset    int64  `json:"o"`
	Key       string `json:"k"`
	Value     string `json:"v"`
}

// checkKeyedRecords checks records a client produced and read back: for
// n records "key-<i mod 50>" → "value-<i>" produced in order, exactly the n
// values come back once each, every key matches its value, a key lives in
// one partition only, and each partition holds offsets 0, 1, … with its
// values in the order they were produced.
func checkKeyedRecords(t *testing.T, got []consumedRecord, n int) {
	t.Helper()
	if len(got) != n {
		t.Fatalf("read %d records back; want %d", len(got), n)
	}
	seen := map[int]bool{}
	keyPartition := map[string]int32{}
	byPartition := map[int32][]consumedRecord{}
	for _, r := range got {
		i, err := strconv.Atoi(strings.TrimPrefix(r.Value, "value-"))
		switch {
		case err != nil || i < 0 || i >= n || seen[i]:
			t.Fatalf("unexpected or repeated value %q", r.Value)
		case r.Key != fmt.Sprintf("key-%d", i%50):
			t.Fatalf("value %q came back with key %q", r.Value, r.Key)
		}
		seen[i] = true
		if p, ok := keyPartition[r.Key]; ok && p != r.Partition {
			t.Fatalf("key %q in partitions %d and %d", r.Key, p, r.Partition)
		}
		keyPartition[r.Key] = r.Partition
		byPartition[r.Partition] = append(byPartition[r.Partition], r)
	}
	for p, rs := range byPartition {
		slices.SortFunc(rs, func(a, b consumedRecord) int { return int(a.Offset - b.Offset) })
		for i, r := range rs {
			if r.Offset != int64(i) {
				t.Fatalf("partition %d: offsets %v…: not 0, 1, 2, …", p, rs[:min(len(rs), 5)])
			}
			if i > 0 && valueIndex(r.Value) < valueIndex(rs[i-1].Value) {
				t.Fatalf("partition %d: %q at offset %d after %q: not in production order", p, r.Value, r.Offset, rs[i-1].Value)
			}
		}
	}
}

func valueIndex(v string) int {
	i, _ := strconv.Atoi(strings.TrimPrefix(v, "value-"))
	return i
}

// keyedInput is n lines "key-<i mod 50>:value-<i>", kcat's -K: input.
func keyedInput(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "key-%d:value-%d\n", i%50, i)
	}
	return b.String()
}

// TestKcat drives librdkafka through kcat: -L metadata, -P with -K: keys
// (idempotent, acks=all), -C -e back, each compression codec.
func TestKcat(t *testing.T) {
	kcat, err := exec.LookPath("kcat")
	if err != nil {
		if kcat, err = exec.LookPath("kafkacat"); err != nil {
			t.Skip("kcat not installed (Debian package kafkacat; ../shared/tools/install-clients.sh)")
		}
	}
	t.Parallel()
	b := startBroker(t, brokerOpts{})
	adm := b.admin(t)
	t.Run("metadata", func(t *testing.T) {
		topic := topicName(t)
		createTopic(t, adm, topic, 3, nil)
		var md struct {
			Brokers []struct {
				ID   int32  `json:"id"`
				Name string `json:"name"`
			} `json:"brokers"`
			Topics []struct {
				Topic      string `json:"topic"`
				Partitions []struct {
					Partition int32 `json:"partition"`
					Leader    int32 `json:"leader"`
				} `json:"partitions"`
			} `json:"topics"`
		}
		out := runTool(t, "", kcat, "-b", b.addr(), "-L", "-J", "-t", topic)
		if err := json.Unmarshal([]byte(out), &md); err != nil {
			t.Fatalf("kcat -L -J: %v\n%s", err, out)
		}
		if len(md.Brokers) != 1 || md.Brokers[0].ID != 1 || md.Brokers[0].Name != b.addr() {
			t.Errorf("kcat -L brokers: %+v; want broker 1 at %s", md.Brokers, b.addr())
		}
		if len(md.Topics) != 1 || md.Topics[0].Topic != topic || len(md.Topics[0].Partitions) != 3 {
			t.Fatalf("kcat -L topics: %+v; want %s with 3 partitions", md.Topics, topic)
		}
		for _, p := range md.Topics[0].Partitions {
			if p.Leader != 1 {
				t.Errorf("kcat -L: partition %d led by %d; want 1", p.Partition, p.Leader)
			}
		}
	})
	for _, codec := range []string{"none", "gzip", "snappy", "lz4", "zstd"} {
		t.Run("produce-consume-"+codec, func(t *testing.T) {
			topic := topicName(t)
			createTopic(t, adm, topic, 3, nil)
			const n = 300
			runTool(t, keyedInput(n), kcat, "-b", b.addr(), "-P", "-t", topic, "-K:",
				"-X", "acks=all", "-X", "enable.idempotence=true", "-X", "compression.codec="+codec)
			out := runTool(t, "", kcat, "-b", b.addr(), "-C", "-t", topic, "-o", "beginning", "-e", "-q",
				"-f", `%p\t%o\t%k\t%s\n`)
			checkKeyedRecords(t, parseKcatLines(t, out), n)
		})
	}
}

// parseKcatLines parses kcat -f '%p\t%o\t%k\t%s\n' output.
func parseKcatLines(t *testing.T, out string) []consumedRecord {
	t.Helper()
	var recs []consumedRecord
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 4 {
			t.Fatalf("kcat line %q: want partition, offset, key, value", line)
		}
		p, perr := strconv.ParseInt(f[0], 10, 32)
		o, oerr := strconv.ParseInt(f[1], 10, 64)
		if perr != nil || oerr != nil {
			t.Fatalf("kcat line %q: bad partition or offset", line)
		}
		recs = append(recs, consumedRecord{Partition: int32(p), Offset: o, Key: f[2], Value: f[3]})
	}
	return recs
}
