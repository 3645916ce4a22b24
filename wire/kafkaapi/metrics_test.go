package kafkaapi_test

import (
	"bufio"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/skiffhq/skiff/cmd/skiff/server/servertest"
)

// scrape reads the node's /metrics and returns each sample by its series
// (name with labels, as exposed).
func scrape(t *testing.T, n *servertest.Node) map[string]float64 {
	t.Helper()
	resp, err := http.Get("http://" + n.HTTPAddr() + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET /metrics: %d %s", resp.StatusCode, body)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestTopicMetrics(t *testing.T) {
	n := servertest.Start(t)
	createTopic(t, n.Admin(), "m", 2, map[string]*string{"max.message.bytes": ptr("5000")})
	createTopic(t, n.Admin(), "other", 1, nil)
	c := dialRaw(t, n.Addr())
	now := time.Now().UnixMilli()

	var bytesIn, records int
	for i := range 4 {
		b := simpleBatch(now, "one", "two", strconv.Itoa(i))
		wantCode(t, "produce", produceRaw(t, c, "m", int32(i%2), -1, b).ErrorCode, nil)
		bytesIn += len(b)
		records += 3
	}
	// Refused produces count as failed, not in.
	wantCode(t, "too large", produceRaw(t, c, "m", 0, -1, simpleBatch(now, strings.Repeat("x", 6000))).ErrorCode, kerr.MessageTooLarge)
	// A duplicate from an idempotent producer is not counted again.
	id, epoch := initProducerID(t, c, 4)
	dup := idempotentBatch(id, epoch, 0, now, "d")
	for range 2 {
		wantCode(t, "idempotent produce", produceRaw(t, c, "m", 1, -1, dup).ErrorCode, nil)
	}
	bytesIn += len(dup)
	records++

	var bytesOut int
	for p := range int32(2) {
		f := fetchRaw(t, c, fetchReq(12, "m", [16]byte{}, p, 0))
		bytesOut += len(f.RecordBatches)
	}
	// An empty fetch sends no record bytes.
	fetchRaw(t, c, fetchReq(12, "other", [16]byte{}, 0, 0))

	got := scrape(t, n)
	want := map[string]float64{
		`kafka_server_brokertopicmetrics_messagesin_total{topic="m"}`:            float64(records),
		`kafka_server_brokertopicmetrics_bytesin_total{topic="m"}`:               float64(bytesIn),
		`kafka_server_brokertopicmetrics_bytesout_total{topic="m"}`:              float64(bytesOut),
		`kafka_server_brokertopicmetrics_failedproducerequests_total{topic="m"}`: 1,
		`kafka_server_replicamanager_partitioncount`:                             3,
		`kafka_server_replicamanager_leadercount`:                                3,
		`kafka_server_replicamanager_underreplicatedpartitions`:                  0,
		`kafka_network_requestmetrics_requests_total{request="Produce"}`:         7,
		`kafka_network_requestmetrics_requests_total{request="Fetch"}`:           3,
	}
	for series, w := range want {
		if g, ok := got[series]; !ok || g != w {
			t.Errorf("%s = %v (present %v), want %v", series, g, ok, w)
		}
	}
	if v, ok := got[`kafka_server_brokertopicmetrics_bytesout_total{topic="other"}`]; ok && v != 0 {
		t.Errorf("bytes out for an empty fetch: %v", v)
	}
	if bytesOut < bytesIn-len(dup) {
		t.Errorf("fetched %d bytes of %d produced", bytesOut, bytesIn)
	}
}
