package kafkaapi_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// rawConn is a bare Kafka connection: requests go out at exactly the
// version set on them (kgo would pick its own), and the test sees what
// the broker does to the socket (closing it, answering or not).
type rawConn struct {
	t    *testing.T
	c    net.Conn
	fmt  *kmsg.RequestFormatter
	corr int32
}

func dialRaw(t *testing.T, addr string) *rawConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawConn{t: t, c: c, fmt: kmsg.NewRequestFormatter(kmsg.FormatterClientID("kafkaapi-test"))}
}

// send writes req at its version and returns its correlation id.
func (r *rawConn) send(req kmsg.Request) int32 {
	r.t.Helper()
	r.corr++
	if err := r.c.SetWriteDeadline(time.Now().Add(10 * time.Second)); err != nil {
		r.t.Fatal(err)
	}
	if _, err := r.c.Write(r.fmt.AppendRequest(nil, req, r.corr)); err != nil {
		r.t.Fatalf("write %s v%d: %v", kmsg.NameForKey(req.Key()), req.GetVersion(), err)
	}
	return r.corr
}

// readFrame reads one response frame: its correlation id and body (after
// the response header, whose tagged fields are skipped when flexible).
func (r *rawConn) readFrame(flexibleHeader bool, timeout time.Duration) (int32, []byte, error) {
	if err := r.c.SetReadDeadline(time.Now().Add(timeout)); err != nil {
		return 0, nil, err
	}
	var size [4]byte
	if _, err := io.ReadFull(r.c, size[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(size[:])
	if n < 4 || n > 64<<20 {
		return 0, nil, fmt.Errorf("response frame of %d bytes", n)
	}
	frame := make([]byte, n)
	if _, err := io.ReadFull(r.c, frame); err != nil {
		return 0, nil, err
	}
	corr := int32(binary.BigEndian.Uint32(frame))
	body := frame[4:]
	if flexibleHeader {
		if len(body) == 0 || body[0] != 0 {
			return corr, nil, fmt.Errorf("response header has tagged fields %x", body[:min(len(body), 8)])
		}
		body = body[1:]
	}
	return corr, body, nil
}

// roundTrip sends req and decodes the response into a response of the
// same key and version.
func (r *rawConn) roundTrip(req kmsg.Request) kmsg.Response {
	r.t.Helper()
	corr := r.send(req)
	resp := req.ResponseKind()
	resp.SetVersion(req.GetVersion())
	// ApiVersions answers with header v0 even when flexible (KIP-511).
	flexHeader := resp.IsFlexible() && req.Key() != int16(kmsg.ApiVersions)
	got, body, err := r.readFrame(flexHeader, 10*time.Second)
	if err != nil {
		r.t.Fatalf("read %s v%d response: %v", kmsg.NameForKey(req.Key()), req.GetVersion(), err)
	}
	if got != corr {
		r.t.Fatalf("%s v%d: correlation id %d, want %d", kmsg.NameForKey(req.Key()), req.GetVersion(), got, corr)
	}
	if err := resp.ReadFrom(body); err != nil {
		r.t.Fatalf("decode %s v%d response (%d bytes): %v", kmsg.NameForKey(req.Key()), req.GetVersion(), len(body), err)
	}
	return resp
}

// closedByPeer reports whether the broker closed the connection within
// timeout (reading EOF or a reset), as opposed to keeping it open.
func (r *rawConn) closedByPeer(timeout time.Duration) bool {
	r.t.Helper()
	_, _, err := r.readFrame(false, timeout)
	var ne net.Error
	switch {
	case err == nil:
		r.t.Fatalf("got a response frame, want the connection closed")
	case errors.As(err, &ne) && ne.Timeout():
		return false
	}
	return true
}
