package quorum

import (
	"context"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.uber.org/goleak"

	"github.com/skiffhq/skiff/metadata/image"
	"github.com/skiffhq/skiff/metadata/record"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// prefaceListener does what wire.Mux does for Raft connections on the
// controller listener: it accepts, checks and consumes the preface.
type prefaceListener struct{ net.Listener }

func listen(t *testing.T) *prefaceListener {
	t.Helper()
	ln, err := listenTB(t)
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

func listenTB(testing.TB) (*prefaceListener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	return &prefaceListener{ln}, nil
}

func (l *prefaceListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		buf := make([]byte, len(Preface))
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.ReadFull(c, buf); err != nil || string(buf) != Preface {
			c.Close()
			continue
		}
		_ = c.SetReadDeadline(time.Time{})
		return c, nil
	}
}

func testLogger(t *testing.T) zerolog.Logger { return testLoggerTB(t) }

// testLoggerTB logs to the test output when SKIFF_TEST_LOG is set.
func testLoggerTB(t testing.TB) zerolog.Logger {
	if os.Getenv("SKIFF_TEST_LOG") != "" {
		return zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.DebugLevel)
	}
	return zerolog.Nop()
}

func testConfig(dir string, id int32, voters []Voter) Config {
	cfg := Default()
	cfg.NodeID = id
	cfg.Dir = dir
	cfg.Voters = voters
	cfg.ClusterID = "test-cluster"
	cfg.HeartbeatTimeout = 100 * time.Millisecond
	cfg.ElectionTimeout = 100 * time.Millisecond
	cfg.LeaderLeaseTimeout = 50 * time.Millisecond
	return cfg
}

// singleNode opens a one-voter quorum and waits until it leads.
func singleNode(t *testing.T, dir string, tweak func(*Config)) *Quorum {
	t.Helper()
	ln := listen(t)
	cfg := testConfig(dir, 1, []Voter{{ID: 1, Addr: ln.Addr().String()}})
	if tweak != nil {
		tweak(&cfg)
	}
	q, err := Open(cfg, ln, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	waitReady(t, q)
	return q
}

func waitReady(t *testing.T, q *Quorum) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := q.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
}

func propose(t *testing.T, q *Quorum, recs ...record.Record) ProposeResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := q.Propose(ctx, recs)
	if err != nil {
		t.Fatalf("propose: %v", err)
	}
	return res
}

func topicID(n int) record.UUID {
	return record.UUID{0xab, 14: byte(n >> 8), 15: byte(n)}
}

func createTopic(name string, id record.UUID, partitions int) []record.Record {
	recs := []record.Record{&record.Topic{Name: name, TopicID: id}}
	for p := 0; p < partitions; p++ {
		recs = append(recs, &record.Partition{TopicID: id, PartitionID: int32(p), Replicas: []int32{1}, ISR: []int32{1}, Leader: 1})
	}
	return recs
}

func registerBroker(id int32, epoch int64) *record.RegisterBroker {
	return &record.RegisterBroker{BrokerID: id, BrokerEpoch: epoch, IncarnationID: topicID(900 + int(id)),
		Endpoints: []record.Endpoint{{Name: "PLAINTEXT", Host: "127.0.0.1", Port: 9092}}}
}

// nextDelta receives one delta or fails after a timeout.
func nextDelta(t *testing.T, s *Subscription) *image.Delta {
	t.Helper()
	select {
	case d, ok := <-s.C:
		if !ok {
			t.Fatal("subscription closed")
		}
		return d
	case <-time.After(10 * time.Second):
		t.Fatal("no delta within 10s")
	}
	return nil
}

// awaitOffset reads deltas until the subscriber's image reaches offset.
func awaitOffset(t *testing.T, s *Subscription, offset int64) *image.Image {
	t.Helper()
	for {
		d := nextDelta(t, s)
		if d.Image.Offset() >= offset {
			return d.Image
		}
	}
}

func str(s string) *string { return &s }
