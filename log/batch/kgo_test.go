package batch

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// captureBroker is just enough of a Kafka broker for one kgo producer:
// it answers ApiVersions, Metadata (one topic, one partition, led by
// itself), InitProducerID and Produce, and records the batch bytes of
// every Produce request exactly as the client sent them.
type captureBroker struct {
	ln    net.Listener
	port  int32
	wg    sync.WaitGroup
	mu    sync.Mutex // guards conns and batches
	conns []net.Conn
	batch [][]byte
}

const captureTopic = "captured"

// The versions advertised: none of them flexible except ApiVersions, so
// the fake needs only the classic response header. Fetch and
// FindCoordinator are advertised, never served: librdkafka decides which
// message formats and codecs a broker supports from version ranges of
// several APIs (gzip and snappy need Produce and Fetch v2, lz4 needs
// FindCoordinator v0, zstd Produce v7 and Fetch v10).
var captureVersions = []kmsg.ApiVersionsResponseApiKey{
	{ApiKey: 0, MinVersion: 0, MaxVersion: 8},  // Produce
	{ApiKey: 1, MinVersion: 0, MaxVersion: 11}, // Fetch
	{ApiKey: 3, MinVersion: 0, MaxVersion: 8},  // Metadata
	{ApiKey: 10, MinVersion: 0, MaxVersion: 0}, // FindCoordinator
	{ApiKey: 18, MinVersion: 0, MaxVersion: 3}, // ApiVersions
	{ApiKey: 22, MinVersion: 0, MaxVersion: 1}, // InitProducerID
}

func startCaptureBroker(t *testing.T) *captureBroker {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cb := &captureBroker{ln: ln, port: int32(ln.Addr().(*net.TCPAddr).Port)}
	cb.wg.Add(1)
	go cb.accept()
	t.Cleanup(cb.stop)
	return cb
}

func (cb *captureBroker) accept() {
	defer cb.wg.Done()
	for {
		c, err := cb.ln.Accept()
		if err != nil {
			return
		}
		cb.mu.Lock()
		cb.conns = append(cb.conns, c)
		cb.mu.Unlock()
		cb.wg.Add(1)
		go cb.serve(c)
	}
}

// stop closes the listener and every connection, then waits for the
// goroutines, so the test ends with nothing running.
func (cb *captureBroker) stop() {
	_ = cb.ln.Close()
	cb.mu.Lock()
	for _, c := range cb.conns {
		_ = c.Close()
	}
	cb.mu.Unlock()
	cb.wg.Wait()
}

func (cb *captureBroker) batches() [][]byte {
	cb.mu.Lock()
	defer cb.mu.Unlock()
	return append([][]byte(nil), cb.batch...)
}

func (cb *captureBroker) serve(c net.Conn) {
	defer cb.wg.Done()
	r := bufio.NewReader(c)
	for {
		frame, err := readFrame(r)
		if err != nil {
			return
		}
		resp, err := cb.handle(frame)
		if err != nil {
			return
		}
		if _, err := c.Write(resp); err != nil {
			return
		}
	}
}

func readFrame(r io.Reader) ([]byte, error) {
	var size [4]byte
	if _, err := io.ReadFull(r, size[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(size[:])
	if n > 64<<20 {
		return nil, errors.New("frame too large")
	}
	frame := make([]byte, n)
	_, err := io.ReadFull(r, frame)
	return frame, err
}

// handle decodes one request frame and returns the whole response frame.
func (cb *captureBroker) handle(frame []byte) ([]byte, error) {
	if len(frame) < 10 {
		return nil, errors.New("short request header")
	}
	key := int16(binary.BigEndian.Uint16(frame))
	version := int16(binary.BigEndian.Uint16(frame[2:]))
	corr := binary.BigEndian.Uint32(frame[4:])
	p := 8
	if clientLen := int16(binary.BigEndian.Uint16(frame[p:])); clientLen > 0 {
		p += int(clientLen)
	}
	p += 2
	req := kmsg.RequestForKey(key)
	if req == nil {
		return nil, fmt.Errorf("unknown api key %d", key)
	}
	req.SetVersion(version)
	if req.IsFlexible() {
		var err error
		if p, err = skipTags(frame, p); err != nil {
			return nil, err
		}
	}
	if p > len(frame) {
		return nil, errors.New("short request header")
	}
	if err := req.ReadFrom(frame[p:]); err != nil {
		return nil, fmt.Errorf("decode %T v%d: %w", req, version, err)
	}
	resp := cb.respond(req)
	resp.SetVersion(version)
	out := binary.BigEndian.AppendUint32(make([]byte, 4), corr)
	if resp.IsFlexible() && key != 18 { // ApiVersions answers with header v0 always
		out = append(out, 0)
	}
	out = resp.AppendTo(out)
	binary.BigEndian.PutUint32(out, uint32(len(out)-4))
	return out, nil
}

func skipTags(b []byte, p int) (int, error) {
	n, w := binary.Uvarint(b[p:])
	if w <= 0 {
		return p, errors.New("bad tag count")
	}
	p += w
	for i := uint64(0); i < n; i++ {
		_, w := binary.Uvarint(b[p:])
		if w <= 0 {
			return p, errors.New("bad tag")
		}
		p += w
		size, w := binary.Uvarint(b[p:])
		if w <= 0 || size > uint64(len(b)-p-w) {
			return p, errors.New("bad tag size")
		}
		p += w + int(size)
	}
	return p, nil
}

func (cb *captureBroker) respond(req kmsg.Request) kmsg.Response {
	switch req := req.(type) {
	case *kmsg.ApiVersionsRequest:
		resp := req.ResponseKind().(*kmsg.ApiVersionsResponse)
		resp.ApiKeys = captureVersions
		return resp
	case *kmsg.MetadataRequest:
		resp := req.ResponseKind().(*kmsg.MetadataResponse)
		resp.Brokers = []kmsg.MetadataResponseBroker{{NodeID: 0, Host: "127.0.0.1", Port: cb.port}}
		resp.ControllerID = 0
		topic := kmsg.NewMetadataResponseTopic()
		topic.Topic = kmsg.StringPtr(captureTopic)
		part := kmsg.NewMetadataResponseTopicPartition()
		part.Leader, part.Replicas, part.ISR = 0, []int32{0}, []int32{0}
		topic.Partitions = []kmsg.MetadataResponseTopicPartition{part}
		resp.Topics = []kmsg.MetadataResponseTopic{topic}
		return resp
	case *kmsg.InitProducerIDRequest:
		resp := req.ResponseKind().(*kmsg.InitProducerIDResponse)
		resp.ProducerID, resp.ProducerEpoch = 4242, 0
		return resp
	case *kmsg.ProduceRequest:
		resp := req.ResponseKind().(*kmsg.ProduceResponse)
		for _, topic := range req.Topics {
			rt := kmsg.NewProduceResponseTopic()
			rt.Topic = topic.Topic
			for _, part := range topic.Partitions {
				cb.mu.Lock()
				cb.batch = append(cb.batch, append([]byte(nil), part.Records...))
				cb.mu.Unlock()
				rp := kmsg.NewProduceResponseTopicPartition()
				rp.Partition = part.Partition
				rt.Partitions = append(rt.Partitions, rp)
			}
			resp.Topics = append(resp.Topics, rt)
		}
		return resp
	}
	return req.ResponseKind()
}

// A real franz-go producer's batches, for every codec, pass Validate and
// ValidateRecords and decode to exactly the records produced: this is the
// proof that a real client's compression and record encoding decode.
func TestKgoProducerBatches(t *testing.T) {
	now := time.Now().Truncate(time.Millisecond)
	value := []byte(strings.Repeat("a compressible value, ", 40))
	produced := []*kgo.Record{
		{Key: []byte("k1"), Value: value, Timestamp: now},
		{Key: nil, Value: value, Timestamp: now.Add(-time.Second)}, // null key, negative delta
		{Key: []byte("k3"), Value: []byte{}, Timestamp: now.Add(time.Second), Headers: []kgo.RecordHeader{
			{Key: "h1", Value: []byte("x")}, {Key: "h2", Value: nil},
		}},
		{Key: []byte("k4"), Value: nil, Timestamp: now}, // null value (a tombstone)
		{Key: []byte("k5"), Value: value, Timestamp: now},
	}
	for _, c := range allCodecs {
		t.Run(c.String(), func(t *testing.T) {
			cb := startCaptureBroker(t)
			cl, err := kgo.NewClient(
				kgo.SeedBrokers(cb.ln.Addr().String()),
				kgo.DefaultProduceTopic(captureTopic),
				kgo.ProducerBatchCompression(kgoCodec(c)),
				kgo.RecordPartitioner(kgo.ManualPartitioner()),
				kgo.ProducerLinger(50*time.Millisecond), // gather all five into one batch
			)
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			var wg sync.WaitGroup
			errs := make(chan error, len(produced))
			for _, r := range produced {
				r := *r
				wg.Add(1)
				cl.Produce(ctx, &r, func(_ *kgo.Record, err error) { errs <- err; wg.Done() })
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatalf("produce: %v", err)
				}
			}
			checkCaptured(t, c, cb.batches(), produced, now)
		})
	}
}

func checkCaptured(t *testing.T, c Codec, batches [][]byte, produced []*kgo.Record, now time.Time) {
	t.Helper()
	var got []Record
	var headers []Header
	for _, raw := range batches {
		for len(raw) > 0 {
			b, rest, ok := Next(raw)
			if !ok {
				t.Fatalf("produce request holds a torn batch")
			}
			raw = rest
			h, err := Validate(b)
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if c != CodecNone && h.Codec() != c {
				t.Fatalf("kgo sent codec %v, want %v", h.Codec(), c)
			}
			if h.ProducerID != 4242 || h.BaseSequence < 0 {
				t.Fatalf("not an idempotent batch: %+v", h)
			}
			opts := ValidateOptions{Now: now, TimestampBeforeMaxMs: 60_000, TimestampAfterMaxMs: 60_000, RequireKeys: false}
			errs, err := ValidateRecords(b, h, opts)
			if err != nil || errs != nil {
				t.Fatalf("ValidateRecords: %v %v", err, errs)
			}
			recs, err := Records(b, DecodeOptions{})
			if err != nil {
				t.Fatalf("Records: %v", err)
			}
			for range recs {
				headers = append(headers, h)
			}
			got = append(got, recs...)
		}
	}
	if len(got) != len(produced) {
		t.Fatalf("captured %d records in %d requests, produced %d", len(got), len(batches), len(produced))
	}
	for i, want := range produced {
		r, h := got[i], headers[i]
		if !sameBytes(r.Key, want.Key) || !sameBytes(r.Value, want.Value) || r.Timestamp(h) != want.Timestamp.UnixMilli() {
			t.Fatalf("record %d: key %q value %d bytes ts %d, want key %q value %d bytes ts %d", i,
				r.Key, len(r.Value), r.Timestamp(h), want.Key, len(want.Value), want.Timestamp.UnixMilli())
		}
		if len(r.Headers) != len(want.Headers) {
			t.Fatalf("record %d: %d headers, want %d", i, len(r.Headers), len(want.Headers))
		}
		for j, wh := range want.Headers {
			if r.Headers[j].Key != wh.Key || !sameBytes(r.Headers[j].Value, wh.Value) {
				t.Fatalf("record %d header %d: %+v, want %+v", i, j, r.Headers[j], wh)
			}
		}
	}
}
