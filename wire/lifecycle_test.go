package wire

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// longPoll is a handler whose Metadata replies wait until the connection's
// context ends, reporting each wait's end on done.
func longPoll(started chan<- struct{}, done chan<- error) *testHandler {
	return &testHandler{override: func(ctx context.Context, req *Request) (Reply, bool) {
		if _, ok := req.Body.(*kmsg.MetadataRequest); !ok {
			return Reply{}, false
		}
		started <- struct{}{}
		return RespondLater(func() kmsg.Response {
			<-ctx.Done()
			done <- context.Cause(ctx)
			return kmsg.NewPtrMetadataResponse()
		}), true
	}}
}

// TestCloseWithLongPolls: Close returns promptly while Later replies are
// waiting, because it cancels their contexts (cause ErrServerClosed).
func TestCloseWithLongPolls(t *testing.T) {
	const conns, perConn = 3, 4
	started := make(chan struct{}, conns*perConn)
	done := make(chan error, conns*perConn)
	ts := startServer(t, testConfig(), longPoll(started, done))
	for i := 0; i < conns; i++ {
		rc := dialRaw(t, ts.addr)
		for j := 0; j < perConn; j++ {
			rc.write(request(metadataRequest(12, "poll"), int32(j)))
		}
	}
	for i := 0; i < conns*perConn; i++ {
		<-started
	}
	closed := make(chan struct{})
	go func() {
		ts.stop(t)
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return with long polls outstanding")
	}
	for i := 0; i < conns*perConn; i++ {
		if err := <-done; !errors.Is(err, ErrServerClosed) {
			t.Fatalf("Later reply %d ended with %v, want ErrServerClosed", i, err)
		}
	}
}

// TestPeerCloseCancelsContext: a client that disconnects cancels the
// contexts of its outstanding requests.
func TestPeerCloseCancelsContext(t *testing.T) {
	started := make(chan struct{}, 1)
	done := make(chan error, 1)
	ts := startServer(t, testConfig(), longPoll(started, done))
	rc := dialRaw(t, ts.addr)
	rc.write(request(metadataRequest(12, "poll"), 1))
	<-started
	rc.nc.Close()
	if err := <-done; !isDisconnect(err) {
		t.Fatalf("context cause %v, want a disconnect", err)
	}
}

// TestIdleTimeout: a connection with no traffic for IdleTimeout is closed.
func TestIdleTimeout(t *testing.T) {
	closed := newCloseWatcher()
	cfg := testConfig()
	cfg.IdleTimeout = 150 * time.Millisecond
	ts := startServer(t, cfg, nil, testHooks{connClosed: closed.hook})
	rc := dialRaw(t, ts.addr)
	rc.write(request(metadataRequest(12, "a"), 1))
	if _, _, err := rc.readResponse(); err != nil {
		t.Fatal(err)
	}
	rc.expectClosed()
	if err := closed.next(t); !errors.Is(err, ErrIdleTimeout) {
		t.Fatalf("close reason %v, want ErrIdleTimeout", err)
	}
}

// TestBusyConnectionIsNotIdle: deadlines expire during steady traffic and
// are pushed forward; the connection stays open for many idle periods.
func TestBusyConnectionIsNotIdle(t *testing.T) {
	cfg := testConfig()
	cfg.IdleTimeout = 50 * time.Millisecond
	ts := startServer(t, cfg, nil)
	rc := dialRaw(t, ts.addr)
	start := time.Now()
	for i := int32(0); time.Since(start) < 6*cfg.IdleTimeout; i++ {
		rc.write(request(metadataRequest(12, "a"), i))
		if corr, _, err := rc.readResponse(); err != nil || corr != i {
			t.Fatalf("request %d after %v: corr %d err %v", i, time.Since(start), corr, err)
		}
	}
}

// TestMaxConnections: connections beyond the limit are closed on accept
// and counted; existing ones are untouched.
func TestMaxConnections(t *testing.T) {
	cfg := testConfig()
	cfg.MaxConnections = 2
	ts := startServer(t, cfg, nil)
	var open []*rawConn
	for i := 0; i < 2; i++ {
		rc := dialRaw(t, ts.addr)
		rc.write(request(metadataRequest(12, "a"), 1))
		if _, _, err := rc.readResponse(); err != nil {
			t.Fatal(err)
		}
		open = append(open, rc)
	}
	extra := dialRaw(t, ts.addr)
	extra.write(request(metadataRequest(12, "a"), 1))
	extra.expectClosed()
	if got := metricValue(t, ts.metrics.rejected.WithLabelValues("PLAINTEXT")); got != 1 {
		t.Fatalf("rejected = %v, want 1", got)
	}
	for _, rc := range open {
		rc.write(request(metadataRequest(12, "b"), 2))
		if _, _, err := rc.readResponse(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestInFlightLimit: with MaxInFlightPerConn requests unanswered the
// connection stops reading; each answer lets exactly one more in.
func TestInFlightLimit(t *testing.T) {
	const limit, total = 4, 10
	var (
		g       gate
		handled atomic.Int32
	)
	full := make(chan int32, total)
	h := &testHandler{override: func(ctx context.Context, req *Request) (Reply, bool) {
		body, ok := req.Body.(*kmsg.MetadataRequest)
		if !ok {
			return Reply{}, false
		}
		handled.Add(1)
		var i int
		fmt.Sscanf(*body.Topics[0].Topic, "t%d", &i)
		ready := g.get(i)
		return RespondLater(func() kmsg.Response {
			<-ready
			return kmsg.NewPtrMetadataResponse()
		}), true
	}}
	cfg := testConfig()
	cfg.MaxInFlightPerConn = limit
	ts := startServer(t, cfg, h, testHooks{pipelineFull: func(*ConnInfo) { full <- handled.Load() }})
	rc := dialRaw(t, ts.addr)
	var burst []byte
	for i := 0; i < total; i++ {
		burst = append(burst, request(metadataRequest(12, fmt.Sprintf("t%d", i)), int32(i))...)
	}
	rc.write(burst)
	if n := <-full; n != limit {
		t.Fatalf("pipeline full after %d requests, want %d", n, limit)
	}
	for i := 0; i < total; i++ {
		close(g.get(i))
		if corr, _, err := rc.readResponse(); err != nil || corr != int32(i) {
			t.Fatalf("response %d: corr %d err %v", i, corr, err)
		}
		if want := int32(min(limit+i+1, total)); i+limit < total {
			if n := <-full; n != want {
				t.Fatalf("after answering %d: %d handled, want %d", i+1, n, want)
			}
		}
	}
}

// TestCloseConnectionReply: earlier replies (even Later ones) are written,
// then the connection closes; nothing after is handled.
func TestCloseConnectionReply(t *testing.T) {
	closed := newCloseWatcher()
	var afterClose atomic.Bool
	h := &testHandler{override: func(ctx context.Context, req *Request) (Reply, bool) {
		body, ok := req.Body.(*kmsg.MetadataRequest)
		if !ok {
			return Reply{}, false
		}
		switch *body.Topics[0].Topic {
		case "slow":
			return RespondLater(func() kmsg.Response { return kmsg.NewPtrMetadataResponse() }), true
		case "close":
			return CloseConnection(errors.New("authentication failed")), true
		}
		afterClose.Store(true)
		return Reply{}, false
	}}
	ts := startServer(t, testConfig(), h, testHooks{connClosed: closed.hook})
	rc := dialRaw(t, ts.addr)
	burst := append(request(metadataRequest(12, "slow"), 1), request(metadataRequest(12, "close"), 2)...)
	burst = append(burst, request(metadataRequest(12, "after"), 3)...)
	rc.write(burst)
	if corr, _, err := rc.readResponse(); err != nil || corr != 1 {
		t.Fatalf("corr %d err %v, want 1", corr, err)
	}
	rc.expectClosed()
	if err := closed.next(t); err == nil || !strings.Contains(err.Error(), "authentication failed") {
		t.Fatalf("close reason %v", err)
	}
	if afterClose.Load() {
		t.Fatal("a request after CloseConnection was handled")
	}
}

// TestBadReplies: a nil response, a response for another API, or the zero
// Reply closes the connection (logged as a handler bug), not the server.
func TestBadReplies(t *testing.T) {
	for _, tc := range []struct {
		name  string
		reply Reply
	}{
		{"nil response", Respond(nil)},
		{"typed nil response", Respond((*kmsg.MetadataResponse)(nil))},
		{"wrong api", Respond(kmsg.NewPtrProduceResponse())},
		{"nil later", RespondLater(func() kmsg.Response { return nil })},
		{"zero reply", Reply{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			closed := newCloseWatcher()
			h := &testHandler{override: func(ctx context.Context, req *Request) (Reply, bool) {
				if _, ok := req.Body.(*kmsg.MetadataRequest); ok {
					return tc.reply, true
				}
				return Reply{}, false
			}}
			ts := startServer(t, testConfig(), h, testHooks{connClosed: closed.hook})
			rc := dialRaw(t, ts.addr)
			rc.write(request(metadataRequest(12, "x"), 1))
			rc.expectClosed()
			if err := closed.next(t); !errors.Is(err, ErrBadReply) {
				t.Fatalf("close reason %v, want ErrBadReply", err)
			}
			other := dialRaw(t, ts.addr)
			other.write(request(kmsg.NewPtrApiVersionsRequest(), 2))
			if _, _, err := other.readResponse(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestLargeFrames: Produce frames from the pool (1 MiB) and beyond it
// (9 MiB), and a large non-Produce frame read as it arrives.
func TestLargeFrames(t *testing.T) {
	ts := startServer(t, testConfig(), nil)
	rc := dialRaw(t, ts.addr)
	for i, size := range []int{1 << 20, 9 << 20, 3 << 20} {
		var req kmsg.Request
		if i < 2 {
			p := kmsg.NewPtrProduceRequest()
			p.SetVersion(9)
			p.Acks = 1
			pt := kmsg.NewProduceRequestTopic()
			pt.Topic = "big"
			pp := kmsg.NewProduceRequestTopicPartition()
			pp.Records = make([]byte, size)
			pt.Partitions = append(pt.Partitions, pp)
			p.Topics = append(p.Topics, pt)
			req = p
		} else {
			var topics []string
			for n := 0; n < size; n += 20 {
				topics = append(topics, fmt.Sprintf("topic-%013d", n))
			}
			req = metadataRequest(12, topics...)
		}
		rc.write(request(req, int32(i)))
		corr, _, err := rc.readResponse()
		if err != nil || corr != int32(i) {
			t.Fatalf("%d-byte request: corr %d err %v", size, corr, err)
		}
	}
}

func TestServeAfterClose(t *testing.T) {
	s, err := NewServer(DefaultConfig(), &testHandler{}, testLogger(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	ln := listen(t)
	if err := s.Serve(ln, "PLAINTEXT"); !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Serve after Close = %v", err)
	}
	if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("listener not closed: %v", err)
	}
}

func TestNewServerRejects(t *testing.T) {
	bad := DefaultConfig()
	bad.MaxInFlightPerConn = 0
	if _, err := NewServer(bad, &testHandler{}, testLogger(t), nil); err == nil {
		t.Error("invalid config accepted")
	}
	if _, err := NewServer(DefaultConfig(), nil, testLogger(t), nil); err == nil {
		t.Error("nil handler accepted")
	}
}
