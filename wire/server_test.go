package wire

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

func newClient(t *testing.T, addr string, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(addr), kgo.RequestRetries(0)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestKgoHeaders drives the server with franz-go, with flexible (header v2,
// response header v1) and pre-flexible (header v1, response header v0)
// versions. kgo first asks ApiVersions v5, which the test handler does not
// serve: it gets the v0 UNSUPPORTED_VERSION answer and retries at v4.
func TestKgoHeaders(t *testing.T) {
	for _, tc := range []struct {
		name            string
		opts            []kgo.Opt
		wantMetaVersion int16
		wantUnsupported bool
	}{
		{"flexible", nil, 12, true},
		{"pre-flexible", []kgo.Opt{kgo.MaxVersions(kversion.V2_0_0())}, 6, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var seen sync.Map // key → version
			var unsupported atomic.Bool
			h := &testHandler{override: func(_ context.Context, req *Request) (Reply, bool) {
				seen.Store(req.Key, req.Version)
				if req.UnsupportedVersion {
					unsupported.Store(true)
				}
				return Reply{}, false
			}}
			ts := startServer(t, testConfig(), h)
			cl := newClient(t, ts.addr, tc.opts...)
			ctx := testCtx(t)

			av, err := kmsg.NewPtrApiVersionsRequest().RequestWith(ctx, cl)
			if err != nil {
				t.Fatalf("ApiVersions: %v", err)
			}
			if av.ErrorCode != 0 || len(av.ApiKeys) != len(testVersions) {
				t.Fatalf("ApiVersions = error %d, %d keys", av.ErrorCode, len(av.ApiKeys))
			}

			broker := cl.SeedBrokers()[0]
			req := metadataRequest(0, "alpha", "beta")
			resp, err := broker.Request(ctx, req)
			if err != nil {
				t.Fatalf("Metadata: %v", err)
			}
			meta := resp.(*kmsg.MetadataResponse)
			if len(meta.Topics) != 2 || *meta.Topics[0].Topic != "alpha" || *meta.Topics[1].Topic != "beta" {
				t.Fatalf("Metadata echo = %+v", meta.Topics)
			}
			if v, _ := seen.Load(int16(3)); v != tc.wantMetaVersion {
				t.Fatalf("Metadata served at v%v, want v%d", v, tc.wantMetaVersion)
			}
			if unsupported.Load() != tc.wantUnsupported {
				t.Fatalf("unsupported ApiVersions seen = %v, want %v", unsupported.Load(), tc.wantUnsupported)
			}
			if v, _ := seen.Load(int16(18)); v != testVersions[18][1] && tc.wantUnsupported {
				t.Fatalf("kgo retried ApiVersions at v%v, want v%d", v, testVersions[18][1])
			}
		})
	}
}

// TestPipelineOrder: 50 concurrent requests on one connection, whose Later
// replies become ready in reverse order, come back in request order, each
// with its own response (kgo matches by correlation id and fails on a
// mismatch).
func TestPipelineOrder(t *testing.T) {
	const n = 50
	var (
		g       gate
		handled atomic.Int32
		conns   sync.Map
	)
	allHandled := make(chan struct{})
	h := &testHandler{override: func(ctx context.Context, req *Request) (Reply, bool) {
		body, ok := req.Body.(*kmsg.MetadataRequest)
		if !ok {
			return Reply{}, false
		}
		conns.Store(req.Conn.ID, true)
		var i int
		fmt.Sscanf(*body.Topics[0].Topic, "t%d", &i)
		if handled.Add(1) == n {
			close(allHandled)
		}
		ready := g.get(i)
		return RespondLater(func() kmsg.Response {
			select {
			case <-ready:
			case <-ctx.Done():
			}
			resp := kmsg.NewPtrMetadataResponse()
			rt := kmsg.NewMetadataResponseTopic()
			rt.Topic = body.Topics[0].Topic
			resp.Topics = append(resp.Topics, rt)
			return resp
		}), true
	}}
	ts := startServer(t, testConfig(), h)
	cl := newClient(t, ts.addr)
	ctx := testCtx(t)
	broker := cl.SeedBrokers()[0]
	if _, err := broker.Request(ctx, kmsg.NewPtrApiVersionsRequest()); err != nil {
		t.Fatal(err) // the connection exists before the burst
	}

	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			want := fmt.Sprintf("t%d", i)
			resp, err := broker.Request(ctx, metadataRequest(12, want))
			if err != nil {
				errs <- err
				return
			}
			if got := *resp.(*kmsg.MetadataResponse).Topics[0].Topic; got != want {
				errs <- fmt.Errorf("request %s got the response for %s", want, got)
			}
		}()
	}
	select {
	case <-allHandled:
	case <-ctx.Done():
		t.Fatalf("only %d of %d requests reached the handler", handled.Load(), n)
	}
	for i := n - 1; i >= 0; i-- {
		close(g.get(i))
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	count := 0
	conns.Range(func(any, any) bool { count++; return true })
	if count != 1 {
		t.Fatalf("requests arrived on %d connections, want 1 (pipelined)", count)
	}
}

// TestNoResponseKeepsOrder: Produce acks=0 between other requests sends
// nothing and leaves the others' responses in order.
func TestNoResponseKeepsOrder(t *testing.T) {
	ts := startServer(t, testConfig(), nil)
	rc := dialRaw(t, ts.addr)
	produce := func(acks int16) *kmsg.ProduceRequest {
		p := kmsg.NewPtrProduceRequest()
		p.SetVersion(9)
		p.Acks = acks
		pt := kmsg.NewProduceRequestTopic()
		pt.Topic = "t"
		pp := kmsg.NewProduceRequestTopicPartition()
		pp.Records = []byte("not decoded by wire")
		pt.Partitions = append(pt.Partitions, pp)
		p.Topics = append(p.Topics, pt)
		return p
	}
	var burst []byte
	burst = append(burst, request(metadataRequest(12, "a"), 1)...)
	burst = append(burst, request(produce(0), 2)...)
	burst = append(burst, request(produce(0), 3)...)
	burst = append(burst, request(produce(1), 4)...)
	burst = append(burst, request(metadataRequest(4, "b"), 5)...)
	rc.write(burst)
	for _, want := range []int32{1, 4, 5} {
		corr, _, err := rc.readResponse()
		if err != nil {
			t.Fatalf("waiting for %d: %v", want, err)
		}
		if corr != want {
			t.Fatalf("got correlation id %d, want %d", corr, want)
		}
	}
}

// TestResponseVersionAndHeader checks the bytes of responses: the version
// is the request's, flexible responses carry an empty tag section, and
// ApiVersions never does.
func TestResponseVersionAndHeader(t *testing.T) {
	ts := startServer(t, testConfig(), nil)
	rc := dialRaw(t, ts.addr)

	for _, v := range []int16{1, 8, 9, 12} {
		rc.write(request(metadataRequest(v, "x"), int32(v)))
		corr, body, err := rc.readResponse()
		if err != nil || corr != int32(v) {
			t.Fatalf("v%d: corr %d err %v", v, corr, err)
		}
		meta := decodeMetadata(t, v, body)
		if len(meta.Topics) != 1 || *meta.Topics[0].Topic != "x" {
			t.Fatalf("v%d: topics %+v", v, meta.Topics)
		}
	}

	av := kmsg.NewPtrApiVersionsRequest()
	av.SetVersion(3)
	av.ClientSoftwareName, av.ClientSoftwareVersion = "raw", "1"
	rc.write(request(av, 7))
	corr, body, err := rc.readResponse()
	if err != nil || corr != 7 {
		t.Fatalf("ApiVersions v3: corr %d err %v", corr, err)
	}
	resp := kmsg.NewPtrApiVersionsResponse()
	resp.SetVersion(3)
	if err := resp.ReadFrom(body); err != nil { // header v0: body starts right after the correlation id
		t.Fatalf("ApiVersions v3 response: %v", err)
	}
	if len(resp.ApiKeys) != len(testVersions) {
		t.Fatalf("ApiVersions v3 keys = %d", len(resp.ApiKeys))
	}
}

// TestMetrics checks the request, connection and byte counters.
func TestMetrics(t *testing.T) {
	ts := startServer(t, testConfig(), nil)
	rc := dialRaw(t, ts.addr)
	for i := int32(0); i < 3; i++ {
		rc.write(request(metadataRequest(12, "m"), i))
		if _, _, err := rc.readResponse(); err != nil {
			t.Fatal(err)
		}
	}
	if got := metricValue(t, ts.metrics.requests.WithLabelValues("Metadata")); got != 3 {
		t.Errorf("requests_total{Metadata} = %v, want 3", got)
	}
	if got := metricValue(t, ts.metrics.connections.WithLabelValues("PLAINTEXT")); got != 1 {
		t.Errorf("connection_count = %v, want 1", got)
	}
	if got := metricValue(t, ts.metrics.bytesIn.WithLabelValues("PLAINTEXT")); got <= 0 {
		t.Errorf("incoming bytes = %v", got)
	}
	if got := metricValue(t, ts.metrics.bytesOut.WithLabelValues("PLAINTEXT")); got <= 0 {
		t.Errorf("outgoing bytes = %v", got)
	}
	names, err := ts.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, mf := range names {
		got = append(got, mf.GetName())
		if mf.GetName() == metricTotalTime {
			if n := mf.GetMetric()[0].GetHistogram().GetSampleCount(); n != 3 {
				t.Errorf("%s sample count = %d, want 3", metricTotalTime, n)
			}
		}
	}
	for _, want := range []string{metricRequests, metricTotalTime, metricConnections, metricBytesIn, metricBytesOut} {
		if !strings.Contains(strings.Join(got, " "), want) {
			t.Errorf("metric %s not registered (have %v)", want, got)
		}
	}
}

// TestManyListeners serves two listeners from one Server.
func TestManyListeners(t *testing.T) {
	ts := startServer(t, testConfig(), nil)
	ln2 := listen(t)
	served := make(chan error, 1)
	go func() { served <- ts.Serve(ln2, "INTERNAL") }()
	for _, addr := range []string{ts.addr, ln2.Addr().String()} {
		rc := dialRaw(t, addr)
		rc.write(request(metadataRequest(12, "a"), 1))
		if _, _, err := rc.readResponse(); err != nil {
			t.Fatalf("%s: %v", addr, err)
		}
	}
	ts.stop(t)
	if err := <-served; err != ErrServerClosed {
		t.Fatalf("second Serve returned %v", err)
	}
}
