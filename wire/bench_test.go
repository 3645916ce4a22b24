package wire

import (
	"bufio"
	"context"
	"encoding/binary"
	"io"
	"net"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// pipelinedLoad sends b.N copies of req over one loopback connection with
// at most window unanswered, reading every response. It reports the response
// bytes it read.
func pipelinedLoad(b *testing.B, addr string, req []byte, window int) int64 {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	tokens := make(chan struct{}, window)
	writeErr := make(chan error, 1)
	b.ResetTimer()
	go func() {
		batch := make([][]byte, 0, window)
		for sent := 0; sent < b.N; {
			tokens <- struct{}{}
			batch = append(batch[:0], req)
			for len(batch) < window && sent+len(batch) < b.N {
				select {
				case tokens <- struct{}{}:
					batch = append(batch, req)
					continue
				default:
				}
				break
			}
			sent += len(batch)
			bufs := net.Buffers(batch) // writev: the requests are not copied
			if _, err := bufs.WriteTo(nc); err != nil {
				writeErr <- err
				return
			}
		}
		writeErr <- nil
	}()
	br := bufio.NewReaderSize(nc, 64<<10)
	var size [4]byte
	var read int64
	for i := 0; i < b.N; i++ {
		if _, err := io.ReadFull(br, size[:]); err != nil {
			b.Fatal(err)
		}
		n := int64(binary.BigEndian.Uint32(size[:]))
		if _, err := br.Discard(int(n)); err != nil {
			b.Fatal(err)
		}
		read += n + 4
		<-tokens
	}
	if err := <-writeErr; err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	return read
}

// BenchmarkSmallRequests: small Metadata requests, 16 in flight on one
// connection, through decode, a trivial handler and encode.
func BenchmarkSmallRequests(b *testing.B) {
	ts := startServer(b, testConfig(), nil)
	req := request(metadataRequest(12, "bench-topic"), 1)
	b.ReportAllocs()
	pipelinedLoad(b, ts.addr, req, 16)
}

// BenchmarkProduce1MiB: Produce requests carrying 1 MiB of records, 4 in
// flight: the request path's bandwidth (read into pooled frames, walk,
// decode without copying records, small acks=1 responses).
func BenchmarkProduce1MiB(b *testing.B) {
	ts := startServer(b, testConfig(), nil)
	p := kmsg.NewPtrProduceRequest()
	p.SetVersion(9)
	p.Acks = 1
	pt := kmsg.NewProduceRequestTopic()
	pt.Topic = "bench"
	pp := kmsg.NewProduceRequestTopicPartition()
	pp.Records = make([]byte, 1<<20)
	pt.Partitions = append(pt.Partitions, pp)
	p.Topics = append(p.Topics, pt)
	req := request(p, 1)
	b.SetBytes(int64(len(req)))
	b.ReportAllocs()
	pipelinedLoad(b, ts.addr, req, 4)
}

// BenchmarkFetchResponse1MiB: small Fetch requests answered with 1 MiB of
// records, 4 in flight: the response path's bandwidth (encode into pooled
// output buffers, write).
func BenchmarkFetchResponse1MiB(b *testing.B) {
	records := make([]byte, 1<<20)
	h := &testHandler{override: func(_ context.Context, req *Request) (Reply, bool) {
		if _, ok := req.Body.(*kmsg.FetchRequest); !ok {
			return Reply{}, false
		}
		resp := kmsg.NewPtrFetchResponse()
		rt := kmsg.NewFetchResponseTopic()
		rt.Topic = "bench"
		rp := kmsg.NewFetchResponseTopicPartition()
		rp.RecordBatches = records
		rt.Partitions = append(rt.Partitions, rp)
		resp.Topics = append(resp.Topics, rt)
		return Respond(resp), true
	}}
	ts := startServer(b, testConfig(), h)
	f := kmsg.NewPtrFetchRequest()
	f.SetVersion(12)
	ft := kmsg.NewFetchRequestTopic()
	ft.Topic = "bench"
	ft.Partitions = append(ft.Partitions, kmsg.NewFetchRequestTopicPartition())
	f.Topics = append(f.Topics, ft)
	b.SetBytes(1 << 20)
	b.ReportAllocs()
	pipelinedLoad(b, ts.addr, request(f, 1), 4)
}
