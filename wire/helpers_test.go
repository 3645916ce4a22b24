package wire

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/rs/zerolog"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testVersions is the version table of testHandler: ApiVersions stops at v4
// so that a kgo client (which starts at kmsg's v5) exercises the
// unsupported-version answer and retries.
var testVersions = map[int16][2]int16{
	0:  {3, 11}, // Produce
	1:  {4, 16}, // Fetch
	3:  {0, 12}, // Metadata
	18: {0, 4},  // ApiVersions
}

// testHandler answers ApiVersions from testVersions, echoes Metadata
// (each requested topic comes back as a topic of that name), and answers
// Produce (nothing for acks=0). A test can take over any request with
// override; returning ok=false falls through to the defaults.
type testHandler struct {
	override func(ctx context.Context, req *Request) (Reply, bool)
	addr     string // advertised in Metadata responses
}

func (h *testHandler) Supports(key, version int16) bool {
	r, ok := testVersions[key]
	return ok && version >= r[0] && version <= r[1]
}

func (h *testHandler) Handle(ctx context.Context, req *Request) Reply {
	if h.override != nil {
		if reply, ok := h.override(ctx, req); ok {
			return reply
		}
	}
	switch body := req.Body.(type) {
	case *kmsg.ApiVersionsRequest:
		return Respond(apiVersionsResponse(req.UnsupportedVersion))
	case *kmsg.MetadataRequest:
		return Respond(h.metadataEcho(body))
	case *kmsg.ProduceRequest:
		if body.Acks == 0 {
			return NoResponse()
		}
		resp := kmsg.NewPtrProduceResponse()
		for _, t := range body.Topics {
			rt := kmsg.NewProduceResponseTopic()
			rt.Topic = t.Topic
			for _, p := range t.Partitions {
				rp := kmsg.NewProduceResponseTopicPartition()
				rp.Partition = p.Partition
				rt.Partitions = append(rt.Partitions, rp)
			}
			resp.Topics = append(resp.Topics, rt)
		}
		return Respond(resp)
	case *kmsg.FetchRequest:
		return Respond(kmsg.NewPtrFetchResponse())
	}
	return CloseConnection(errors.New("test handler: unexpected request"))
}

func apiVersionsResponse(unsupported bool) *kmsg.ApiVersionsResponse {
	resp := kmsg.NewPtrApiVersionsResponse()
	if unsupported {
		resp.ErrorCode = kerr.UnsupportedVersion.Code
	}
	for _, key := range []int16{0, 1, 3, 18} {
		k := kmsg.NewApiVersionsResponseApiKey()
		k.ApiKey = key
		k.MinVersion, k.MaxVersion = testVersions[key][0], testVersions[key][1]
		resp.ApiKeys = append(resp.ApiKeys, k)
	}
	return resp
}

func (h *testHandler) metadataEcho(req *kmsg.MetadataRequest) *kmsg.MetadataResponse {
	resp := kmsg.NewPtrMetadataResponse()
	if host, port, err := net.SplitHostPort(h.addr); err == nil {
		b := kmsg.NewMetadataResponseBroker()
		b.NodeID = 1
		b.Host = host
		p, _ := strconv.Atoi(port)
		b.Port = int32(p)
		resp.Brokers = append(resp.Brokers, b)
	}
	resp.ControllerID = 1
	for _, t := range req.Topics {
		rt := kmsg.NewMetadataResponseTopic()
		rt.Topic = t.Topic
		resp.Topics = append(resp.Topics, rt)
	}
	return resp
}

// testLogger writes to the test log when -v, and is silent otherwise.
func testLogger(t testing.TB) zerolog.Logger {
	if testing.Verbose() {
		return zerolog.New(zerolog.ConsoleWriter{Out: os.Stderr}).With().Timestamp().Logger()
	}
	return zerolog.Nop()
}

// testServer is a Server serving one loopback listener.
type testServer struct {
	*Server
	addr    string
	reg     *prometheus.Registry
	handler *testHandler
	served  chan error
}

func testConfig() Config {
	cfg := DefaultConfig()
	cfg.MaxRequestBytes = 64 << 20
	return cfg
}

// startServer serves h (a fresh testHandler if nil) on 127.0.0.1:0 and
// closes it when the test ends. hooks, if given, are installed before the
// first connection.
func startServer(t testing.TB, cfg Config, h *testHandler, hooks ...testHooks) *testServer {
	t.Helper()
	if h == nil {
		h = &testHandler{}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.addr = ln.Addr().String()
	reg := prometheus.NewRegistry()
	s, err := NewServer(cfg, h, testLogger(t), reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, hk := range hooks {
		s.hooks = hk
	}
	ts := &testServer{Server: s, addr: ln.Addr().String(), reg: reg, handler: h, served: make(chan error, 1)}
	go func() { ts.served <- s.Serve(ln, "PLAINTEXT") }()
	t.Cleanup(func() { ts.stop(t) })
	return ts
}

// stop closes the server and checks Serve returned ErrServerClosed.
func (ts *testServer) stop(t testing.TB) {
	if err := ts.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := <-ts.served; !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve returned %v, want ErrServerClosed", err)
	}
	ts.served <- ErrServerClosed // a second stop sees the same
}

// rawConn speaks the protocol by hand, for what real clients never send.
type rawConn struct {
	t  testing.TB
	nc net.Conn
}

func dialRaw(t testing.TB, addr string) *rawConn {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	_ = nc.SetDeadline(time.Now().Add(30 * time.Second)) // a hung test fails instead of stalling
	return &rawConn{t: t, nc: nc}
}

// request encodes req at its version with a v1/v2 header.
func request(req kmsg.Request, correlationID int32) []byte {
	return kmsg.NewRequestFormatter(kmsg.FormatterClientID("raw")).AppendRequest(nil, req, correlationID)
}

func (r *rawConn) write(b []byte) {
	r.t.Helper()
	if _, err := r.nc.Write(b); err != nil {
		r.t.Fatalf("write: %v", err)
	}
}

// readResponse reads one response frame: correlation id and the rest.
func (r *rawConn) readResponse() (int32, []byte, error) {
	var size [4]byte
	if _, err := io.ReadFull(r.nc, size[:]); err != nil {
		return 0, nil, err
	}
	buf := make([]byte, binary.BigEndian.Uint32(size[:]))
	if _, err := io.ReadFull(r.nc, buf); err != nil {
		return 0, nil, err
	}
	if len(buf) < 4 {
		return 0, nil, errors.New("short response")
	}
	return int32(binary.BigEndian.Uint32(buf)), buf[4:], nil
}

// expectClosed reads until the server closes the connection, failing if a
// response arrives instead.
func (r *rawConn) expectClosed() {
	r.t.Helper()
	corr, _, err := r.readResponse()
	if err == nil {
		r.t.Fatalf("got response %d, want the connection closed", corr)
	}
	if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) && !isDisconnect(err) {
		r.t.Fatalf("read: %v, want EOF", err)
	}
}

func metadataRequest(version int16, topics ...string) *kmsg.MetadataRequest {
	req := kmsg.NewPtrMetadataRequest()
	req.SetVersion(version)
	for _, t := range topics {
		rt := kmsg.NewMetadataRequestTopic()
		rt.Topic = kmsg.StringPtr(t)
		req.Topics = append(req.Topics, rt)
	}
	return req
}

// decodeMetadata decodes a Metadata response body (after the correlation
// id) at version.
func decodeMetadata(t testing.TB, version int16, body []byte) *kmsg.MetadataResponse {
	t.Helper()
	if version >= 9 {
		if len(body) < 1 || body[0] != 0 {
			t.Fatalf("flexible response header lacks its empty tag section")
		}
		body = body[1:]
	}
	resp := kmsg.NewPtrMetadataResponse()
	resp.SetVersion(version)
	if err := resp.ReadFrom(body); err != nil {
		t.Fatalf("decode metadata response: %v", err)
	}
	return resp
}

// closeWatcher collects connection close reasons from the connClosed hook.
type closeWatcher chan error

func newCloseWatcher() closeWatcher { return make(closeWatcher, 64) }

func (w closeWatcher) hook(_ *ConnInfo, reason error) { w <- reason }

// next waits for the next connection to finish and returns its reason.
func (w closeWatcher) next(t testing.TB) error {
	t.Helper()
	select {
	case err := <-w:
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("no connection closed")
		return nil
	}
}

// gate is a set of channels a test closes to release Later replies.
type gate struct {
	mu sync.Mutex
	ch map[int]chan struct{}
}

func (g *gate) get(i int) chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ch == nil {
		g.ch = make(map[int]chan struct{})
	}
	if g.ch[i] == nil {
		g.ch[i] = make(chan struct{})
	}
	return g.ch[i]
}

func listen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// metricValue reads a counter or gauge.
func metricValue(t testing.TB, m prometheus.Metric) float64 {
	t.Helper()
	var d dto.Metric
	if err := m.Write(&d); err != nil {
		t.Fatal(err)
	}
	if c := d.GetCounter(); c != nil {
		return c.GetValue()
	}
	return d.GetGauge().GetValue()
}

// keyLog records which API keys a handler saw.
type keyLog struct {
	mu   sync.Mutex
	keys []int16
}

func (l *keyLog) record(_ context.Context, req *Request) (Reply, bool) {
	l.mu.Lock()
	l.keys = append(l.keys, req.Key)
	l.mu.Unlock()
	return Reply{}, false
}

func (l *keyLog) saw(key int16) bool {
	for _, k := range l.all() {
		if k == key {
			return true
		}
	}
	return false
}

func (l *keyLog) all() []int16 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]int16(nil), l.keys...)
}
