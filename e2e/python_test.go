package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// debianPython is the interpreter with Debian's python3-confluent-kafka and
// python3-kafka; a python3 earlier on PATH may lack them.
const debianPython = "/usr/bin/python3"

// pythonResult is what testdata/*_roundtrip.py print.
type pythonResult struct {
	Client     string             `json:"client"`
	Delivered  []consumedRecord   `json:"delivered"`
	Records    []consumedRecord   `json:"records"`
	Watermarks map[string][]int64 `json:"watermarks"`
}

// TestPythonClients runs testdata/confluent_roundtrip.py and
// testdata/kafka_python_roundtrip.py against the binary: admin create,
// produce with acks=all (idempotent where the client can), consume by
// assignment, list offsets, admin delete. Each must read back exactly what
// it produced, at the offsets the producer was told.
func TestPythonClients(t *testing.T) {
	if _, err := os.Stat(debianPython); err != nil {
		t.Skipf("%s not found (install python3-confluent-kafka and python3-kafka from Debian)", debianPython)
	}
	t.Parallel()
	b := startBroker(t, brokerOpts{})
	adm := b.admin(t)
	clients := []struct {
		name, module, script string
		codecs               []string // compression codecs the client writes without extra modules
	}{
		{"confluent-kafka", "confluent_kafka", "confluent_roundtrip.py", []string{"none", "zstd"}},
		{"kafka-python", "kafka", "kafka_python_roundtrip.py", []string{"none", "gzip"}},
	}
	for _, c := range clients {
		t.Run(c.name, func(t *testing.T) {
			if out, err := exec.Command(debianPython, "-c", "import "+c.module).CombinedOutput(); err != nil {
				t.Skipf("%s cannot import %s (install Debian's python3 package): %v\n%s", debianPython, c.module, err, out)
			}
			for _, codec := range c.codecs {
				topic := topicName(t) + "-" + codec
				const n = 500
				out := runTool(t, "", debianPython, filepath.Join("testdata", c.script), b.addr(), topic, strconv.Itoa(n), codec)
				var res pythonResult
				if err := json.Unmarshal([]byte(out), &res); err != nil {
					t.Fatalf("%s output: %v\n%s", c.script, err, out)
				}
				t.Logf("%s, compression %s: %d records", res.Client, codec, len(res.Records))
				checkKeyedRecords(t, res.Records, n)
				checkDelivered(t, res.Delivered, res.Records)
				checkWatermarks(t, res.Watermarks, res.Records)
				if tds, err := adm.ListTopics(ctxFor(t, clientTimeout), topic); err != nil || tds.Has(topic) {
					t.Errorf("topic %s still listed after the client deleted it (%v)", topic, err)
				}
			}
		})
	}
}

// checkDelivered checks that every delivery report the producer got names
// the partition and offset where the record was read back.
func checkDelivered(t *testing.T, delivered, read []consumedRecord) {
	t.Helper()
	if len(delivered) != len(read) {
		t.Fatalf("%d delivery reports for %d records read", len(delivered), len(read))
	}
	at := map[[2]int64]consumedRecord{}
	for _, r := range read {
		at[[2]int64{int64(r.Partition), r.Offset}] = r
	}
	for _, d := range delivered {
		if r, ok := at[[2]int64{int64(d.Partition), d.Offset}]; !ok || r != d {
			t.Fatalf("delivered %+v, but read %+v at that partition and offset", d, r)
		}
	}
}

// checkWatermarks checks the listed offsets: each partition starts at 0 and
// ends after the records read from it.
func checkWatermarks(t *testing.T, marks map[string][]int64, read []consumedRecord) {
	t.Helper()
	count := map[string]int64{}
	for _, r := range read {
		count[strconv.Itoa(int(r.Partition))]++
	}
	if len(marks) != 3 {
		t.Fatalf("watermarks for %d partitions; want 3: %v", len(marks), marks)
	}
	for p, m := range marks {
		if len(m) != 2 || m[0] != 0 || m[1] != count[p] {
			t.Errorf("partition %s: listed offsets %v; want [0 %d]", p, m, count[p])
		}
	}
}
