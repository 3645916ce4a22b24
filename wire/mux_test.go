package wire

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// raftPreface is an impossible Kafka frame length (negative), as a Raft
// transport's preface would be.
const raftPreface = "\xffRFT"

type muxFixture struct {
	mux    *Mux
	addr   string
	raft   net.Listener
	server *Server
	served chan error
}

// startMux runs a Mux on a loopback listener with a wire.Server on its
// Default listener and a raw listener on raftPreface.
func startMux(t *testing.T, prefaceTimeout time.Duration) *muxFixture {
	t.Helper()
	ln := listen(t)
	m := NewMux(ln, testLogger(t))
	if prefaceTimeout > 0 {
		m.prefaceTimeout = prefaceTimeout
	}
	f := &muxFixture{mux: m, addr: ln.Addr().String(), raft: m.Route(raftPreface), served: make(chan error, 2)}
	h := &testHandler{addr: f.addr}
	s, err := NewServer(testConfig(), h, testLogger(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	f.server = s
	go func() { f.served <- m.Serve() }()
	go func() { f.served <- s.Serve(m.Default(), "CONTROLLER") }()
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
		if err := m.Close(); err != nil {
			t.Error(err)
		}
		for i := 0; i < 2; i++ {
			if err := <-f.served; err != nil && !errors.Is(err, ErrServerClosed) {
				t.Errorf("serve: %v", err)
			}
		}
	})
	return f
}

func TestMuxRoutesByPreface(t *testing.T) {
	f := startMux(t, 0)

	// A Kafka client reaches the Server through Default, bytes intact.
	cl := newClient(t, f.addr)
	if _, err := kmsg.NewPtrApiVersionsRequest().RequestWith(testCtx(t), cl); err != nil {
		t.Fatalf("kafka through the mux: %v", err)
	}

	// A Raft connection reaches its route without the preface.
	raftClient, err := net.Dial("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer raftClient.Close()
	if _, err := raftClient.Write([]byte(raftPreface + "append-entries")); err != nil {
		t.Fatal(err)
	}
	accepted, err := f.raft.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer accepted.Close()
	_ = accepted.SetReadDeadline(time.Now().Add(10 * time.Second))
	got := make([]byte, len("append-entries"))
	if _, err := io.ReadFull(accepted, got); err != nil || string(got) != "append-entries" {
		t.Fatalf("raft route read %q, %v", got, err)
	}
}

// TestMuxSlowPrefaceBlocksNobody: a connection that sends two bytes and
// waits does not delay others, and is dropped after the preface timeout.
func TestMuxSlowPrefaceBlocksNobody(t *testing.T) {
	f := startMux(t, 200*time.Millisecond)
	slow, err := net.Dial("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	if _, err := slow.Write([]byte{0, 0}); err != nil {
		t.Fatal(err)
	}

	rc := dialRaw(t, f.addr)
	rc.write(request(metadataRequest(12, "fast"), 1))
	if _, _, err := rc.readResponse(); err != nil {
		t.Fatalf("kafka connection behind a slow one: %v", err)
	}

	_ = slow.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := slow.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("slow connection: %v, want EOF after the preface timeout", err)
	}
}

// TestMuxClose: Close ends Serve, closes the routed listeners and drops
// connections still sending their preface.
func TestMuxClose(t *testing.T) {
	ln := listen(t)
	m := NewMux(ln, testLogger(t))
	route := m.Route(raftPreface)
	if m.Route(raftPreface) != route {
		t.Fatal("Route returned a second listener for the same preface")
	}
	served := make(chan error, 1)
	go func() { served <- m.Serve() }()

	pending, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer pending.Close()
	if _, err := pending.Write([]byte{1}); err != nil {
		t.Fatal(err)
	}
	// Make sure the Mux has accepted it before closing.
	undelivered, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer undelivered.Close()
	if _, err := undelivered.Write([]byte(raftPreface)); err != nil {
		t.Fatal(err)
	}

	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve after Close = %v", err)
	}
	for _, l := range []net.Listener{route, m.Default()} {
		if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
			t.Fatalf("Accept after Close = %v", err)
		}
	}
	_ = pending.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := pending.Read(make([]byte, 1)); err == nil {
		t.Fatal("pending connection still open after Close")
	}
	if late := m.Route("LATE"); late != nil {
		if _, err := late.Accept(); !errors.Is(err, net.ErrClosed) {
			t.Fatalf("route added after Close accepts: %v", err)
		}
	}
}

func TestMuxRoutePrefaceLength(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("a 3-byte preface was accepted")
		}
	}()
	NewMux(listen(t), testLogger(t)).Route("abc")
}
