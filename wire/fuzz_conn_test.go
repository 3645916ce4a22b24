package wire

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// FuzzConnStream feeds arbitrary bytes through a real connection (over
// net.Pipe) of a shared Server, then checks the Server still answers a new
// connection. Whatever the stream holds, the connection ends cleanly and
// nothing panics; goleak (TestMain) checks every goroutine ended.
func FuzzConnStream(f *testing.F) {
	var burst []byte
	for _, seed := range decodeSeeds() {
		f.Add(frame(seed))
		burst = append(burst, frame(seed)...)
	}
	f.Add(burst)
	f.Add(append(request(metadataRequest(12, "a"), 1), 0xff, 0xff, 0xff, 0xff))
	f.Add(append(request(metadataRequest(12, "a"), 1), frame(append(header(18, 99, 2, "c"), 1))...))
	f.Add([]byte{0, 0, 0})

	cfg := DefaultConfig()
	cfg.MaxRequestBytes = 1 << 20
	cfg.MaxInFlightPerConn = 4
	s, err := NewServer(cfg, &testHandler{}, testLogger(f), nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })

	f.Fuzz(func(t *testing.T, stream []byte) {
		client, server := net.Pipe()
		s.accept(server, "FUZZ")
		drained := make(chan struct{})
		go func() {
			defer close(drained)
			_, _ = io.Copy(io.Discard, client)
		}()
		_ = client.SetWriteDeadline(time.Now().Add(10 * time.Second))
		_, _ = client.Write(stream) // fails early if the server hangs up
		client.Close()
		<-drained
		checkAlive(t, s)
	})
}

// checkAlive opens a connection to s over net.Pipe and expects an answer.
func checkAlive(t *testing.T, s *Server) {
	t.Helper()
	client, server := net.Pipe()
	defer client.Close()
	s.accept(server, "FUZZ")
	_ = client.SetDeadline(time.Now().Add(10 * time.Second))
	rc := &rawConn{t: t, nc: client}
	rc.write(request(kmsg.NewPtrApiVersionsRequest(), 7))
	if corr, _, err := rc.readResponse(); err != nil || corr != 7 {
		t.Fatalf("server no longer answers: corr %d err %v", corr, err)
	}
}
