package e2e

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// socketRequestMaxBytes is Kafka's default socket.request.max.bytes.
const socketRequestMaxBytes = 100 * 1024 * 1024

// badFrame is one malformed thing a raw TCP client sends.
type badFrame struct {
	name string
	send []byte
	// halfClose closes our write side after sending, as a client that
	// gives up mid-frame does.
	halfClose bool
	// level is the lowest log level the broker's closing line may have:
	// protocol violations are warnings, a peer hanging up mid-frame is
	// routine (Kafka logs it at debug too).
	level string
}

var badFrames = []badFrame{
	{name: "oversized length prefix", send: frameOfLength(socketRequestMaxBytes+1, []byte{0, 3, 0, 12, 0, 0, 0, 1}), level: "warn"},
	{name: "negative length prefix", send: frameOfLength(-1, nil), level: "warn"},
	{name: "garbage after a valid header", send: metadataFrameWithGarbage(), level: "warn"},
	{name: "truncated frame then close", send: frameOfLength(100, []byte{0, 3, 0, 12, 0, 0, 0, 9, 0, 3, 'e', '2', 'e'}), halfClose: true, level: "debug"},
}

// frameOfLength is a 4-byte length prefix claiming n bytes, then body (which
// may be shorter than n).
func frameOfLength(n int32, body []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(n)), body...)
}

// metadataFrameWithGarbage is a correctly framed Metadata v12 request with
// a valid header (flexible: client id, empty tagged fields) followed by
// bytes that are not a Metadata body.
func metadataFrameWithGarbage() []byte {
	var body []byte
	body = binary.BigEndian.AppendUint16(body, 3)  // api key: Metadata
	body = binary.BigEndian.AppendUint16(body, 12) // version
	body = binary.BigEndian.AppendUint32(body, 42) // correlation id
	body = binary.BigEndian.AppendUint16(body, 3)  // client id length
	body = append(body, "e2e"...)
	body = append(body, 0) // no tagged fields
	body = append(body, 0xff, 0xff, 0xff, 0xfe, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f, 0x13, 0x37)
	return frameOfLength(int32(len(body)), body)
}

// TestBadFrames sends malformed frames on raw TCP connections to the
// binary: each must close only its own connection, be logged with the
// connection's address, and leave a franz-go client on another connection
// working.
func TestBadFrames(t *testing.T) {
	t.Parallel()
	b := startBroker(t, brokerOpts{logLevel: "debug"})
	topic := topicName(t)
	createTopic(t, b.admin(t), topic, 1, nil)
	cl := b.producer(t)
	n := 0
	roundTrip := func(after string) {
		t.Helper()
		vals := seq("after-"+strings.ReplaceAll(after, " ", "-")+"-", n, 1)
		rs := produceSync(t, cl, topic, 0, vals...)
		if rs[0].Offset != int64(n) {
			t.Fatalf("after %s: record went to offset %d; want %d", after, rs[0].Offset, n)
		}
		n++
	}
	roundTrip("start")
	for _, f := range badFrames {
		conn := dialRaw(t, b.addr())
		local := conn.LocalAddr().String()
		if _, err := conn.Write(f.send); err != nil {
			t.Fatalf("%s: write: %v", f.name, err)
		}
		if f.halfClose {
			conn.(*net.TCPConn).CloseWrite()
		}
		if err := expectClosed(conn); err != nil {
			t.Errorf("%s: %v", f.name, err)
		}
		conn.Close()
		e, ok := b.waitEntry(10*time.Second, func(e logEntry) bool {
			return e.msg() == "connection closed" && e.str("remote") == local
		})
		switch {
		case !ok:
			t.Errorf("%s: the broker logged no \"connection closed\" line for %s", f.name, local)
		case levelRank[e.level()] < levelRank[f.level]:
			t.Errorf("%s: closing line at level %s; want %s or above: %v", f.name, e.level(), f.level, e)
		default:
			t.Logf("%s: %s", f.name, e.str("error"))
		}
		roundTrip(f.name)
	}
	got := values(consumeAll(t, b, topic)[0])
	if len(got) != n {
		t.Fatalf("read back %d records; want %d: %q", len(got), n, got)
	}
}

// TestOversizedClaimMemory opens connections that claim frames they never
// send (the largest allowed, for Metadata and for Produce, whose frames
// are pooled) and checks that the broker's resident memory does not follow
// the claims.
func TestOversizedClaimMemory(t *testing.T) {
	t.Parallel()
	b := startBroker(t, brokerOpts{})
	topic := topicName(t)
	createTopic(t, b.admin(t), topic, 1, nil)
	cl := b.producer(t)
	produceSync(t, cl, topic, 0, "warm-up")
	before := vmRSS(t, b.pid())

	const conns = 8
	claims := []struct {
		key   uint16
		bytes int32
	}{
		{key: 3, bytes: socketRequestMaxBytes}, // Metadata: grows as bytes arrive
		{key: 0, bytes: 8 << 20},               // Produce: the largest pooled size class
		{key: 0, bytes: socketRequestMaxBytes}, // Produce beyond the pool
	}
	var claimed int64
	for _, c := range claims {
		for range conns {
			conn := dialRaw(t, b.addr())
			head := binary.BigEndian.AppendUint16(nil, c.key)
			head = append(head, 0, 9, 0, 0, 0, 1, 0, 0) // version 9, correlation id 1, first header bytes
			if _, err := conn.Write(frameOfLength(c.bytes, head)); err != nil {
				t.Fatal(err)
			}
			claimed += int64(c.bytes)
		}
	}
	// A round trip on another connection: by then the broker has read the
	// claims' prefixes (each connection has its own reader).
	produceSync(t, cl, topic, 0, "after-claims")
	after := int64(0)
	for range 5 { // the largest of a few samples over ~250 ms
		after = max(after, vmRSS(t, b.pid()))
		time.Sleep(50 * time.Millisecond)
	}
	grew := after - before
	t.Logf("VmRSS %d KiB → %d KiB after claiming %d MiB on %d connections", before>>10, after>>10, claimed>>20, conns*len(claims))
	if limit := int64(64 << 20); grew > limit {
		t.Errorf("resident memory grew by %d MiB after claims of %d MiB that sent almost nothing; want under %d MiB",
			grew>>20, claimed>>20, limit>>20)
	}
}

// levelRank orders zerolog's levels.
var levelRank = map[string]int{"trace": 0, "debug": 1, "info": 2, "warn": 3, "error": 4, "fatal": 5, "panic": 6}

// dialRaw opens a plain TCP connection, closed at the end of the test.
func dialRaw(t testing.TB, addr string) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// expectClosed reads until the broker closes the connection; bytes before
// that are an answer it should not have sent to a malformed frame.
func expectClosed(conn net.Conn) error {
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := io.Copy(io.Discard, conn)
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("connection still open 10s later (read %d bytes)", n)
	case n > 0:
		return fmt.Errorf("broker answered %d bytes before closing", n)
	}
	return nil // EOF or reset: closed
}

// vmRSS is the process's resident set size in bytes.
func vmRSS(t testing.TB, pid int) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("VmRSS %q: %v", rest, err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmRSS in /proc/PID/status")
	return 0
}
