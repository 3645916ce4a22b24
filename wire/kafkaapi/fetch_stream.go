package kafkaapi

import (
	"encoding/binary"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/skiffhq/skiff/log"
	"github.com/skiffhq/skiff/wire"
)

// sendfileMin is the smallest file range sent with sendfile. Smaller ones
// are copied into the connection's output buffer: a sendfile costs a flush
// of that buffer plus its own syscall, which only pays off for bulk data.
const sendfileMin = 32 << 10

// recordSet is one partition's records in a Fetch response: file ranges
// pinned in the log until the response is released.
type recordSet struct {
	read log.FileReadResult
}

func (s *recordSet) size() int { return s.read.Size }

// fetchStream is a Fetch response whose record sets are not copied into
// the response: wire streams them from the segment files (sendfile for
// large ranges). Every field but the records is encoded by encodeFetch,
// which mirrors kmsg's FetchResponse encoding for versions 4–13
// byte for byte (fetch_stream_test.go proves it).
type fetchStream struct {
	*kmsg.FetchResponse
	sets []*recordSet // per partition in response order; nil = no records

	encoded []byte     // everything but the record bytes
	holes   []fetchGap // where each non-empty record set goes in encoded
	size    int
}

// fetchGap says that record set set goes at position at of encoded.
type fetchGap struct {
	at  int
	set *recordSet
}

// newFetchStream wraps resp and the record sets of its partitions (in the
// order they appear in resp; a nil set means empty records). It takes
// ownership of the sets: Release frees them.
func newFetchStream(resp *kmsg.FetchResponse, sets []*recordSet) *fetchStream {
	return &fetchStream{FetchResponse: resp, sets: sets}
}

// StreamSize encodes the response (once) and returns the body size.
func (f *fetchStream) StreamSize() int {
	if f.encoded == nil {
		f.encoded, f.holes = encodeFetch(f.FetchResponse, f.sets)
		f.size = len(f.encoded)
		for _, h := range f.holes {
			f.size += h.set.size()
		}
	}
	return f.size
}

// StreamTo writes the encoded fields with each record set in its place.
func (f *fetchStream) StreamTo(w *wire.StreamWriter) error {
	at := 0
	for _, h := range f.holes {
		if _, err := w.Write(f.encoded[at:h.at]); err != nil {
			return err
		}
		at = h.at
		for _, sl := range h.set.read.Slices {
			var err error
			if sl.Size >= sendfileMin {
				err = w.SendFile(sl.File, sl.Offset, sl.Size)
			} else {
				err = w.CopyFile(sl.File, sl.Offset, sl.Size)
			}
			if err != nil {
				return err
			}
		}
	}
	_, err := w.Write(f.encoded[at:])
	return err
}

// Release unpins every record set.
func (f *fetchStream) Release() {
	for _, s := range f.sets {
		if s != nil {
			s.read.Release()
		}
	}
}

// encodeFetch encodes resp as kmsg does at resp.Version (4–13), except that
// each partition's record bytes are left out: their length prefix is
// written from sets (resp's RecordBatches fields are ignored) and the
// returned gaps say where the bytes go.
func encodeFetch(resp *kmsg.FetchResponse, sets []*recordSet) ([]byte, []fetchGap) {
	e := fetchEncoder{version: resp.Version, flexible: resp.Version >= 12}
	e.b = make([]byte, 0, 64+len(resp.Topics)*48+len(sets)*64)
	e.i32(resp.ThrottleMillis)
	if e.version >= 7 {
		e.i16(resp.ErrorCode)
		e.i32(resp.SessionID)
	}
	e.arrayLen(len(resp.Topics))
	n := 0
	for ti := range resp.Topics {
		t := &resp.Topics[ti]
		if e.version <= 12 {
			e.str(t.Topic)
		} else {
			e.b = append(e.b, t.TopicID[:]...)
		}
		e.arrayLen(len(t.Partitions))
		for pi := range t.Partitions {
			var set *recordSet
			if n < len(sets) {
				set = sets[n]
			}
			n++
			e.partition(&t.Partitions[pi], set)
		}
		e.noTags()
	}
	e.noTags() // v16's node endpoints (tag 0) are not served
	return e.b, e.gaps
}

type fetchEncoder struct {
	version  int16
	flexible bool
	b        []byte
	gaps     []fetchGap
}

func (e *fetchEncoder) partition(p *kmsg.FetchResponseTopicPartition, set *recordSet) {
	e.i32(p.Partition)
	e.i16(p.ErrorCode)
	e.i64(p.HighWatermark)
	e.i64(p.LastStableOffset)
	if e.version >= 5 {
		e.i64(p.LogStartOffset)
	}
	e.nullableArrayLen(len(p.AbortedTransactions), p.AbortedTransactions == nil)
	for _, a := range p.AbortedTransactions {
		e.i64(a.ProducerID)
		e.i64(a.FirstOffset)
		e.noTags()
	}
	if e.version >= 11 {
		e.i32(p.PreferredReadReplica)
	}
	size := 0
	if set != nil {
		size = set.size()
	}
	e.bytesLen(size)
	if size > 0 {
		e.gaps = append(e.gaps, fetchGap{at: len(e.b), set: set})
	}
	if e.flexible {
		e.partitionTags(p)
	}
}

// partitionTags writes the v12+ tagged fields a partition carries when they
// differ from their defaults, as kmsg does.
func (e *fetchEncoder) partitionTags(p *kmsg.FetchResponseTopicPartition) {
	diverging := p.DivergingEpoch.Epoch != -1 || p.DivergingEpoch.EndOffset != -1
	leader := p.CurrentLeader.LeaderID != -1 || p.CurrentLeader.LeaderEpoch != -1
	snapshot := p.SnapshotID.EndOffset != -1 || p.SnapshotID.Epoch != -1
	count := 0
	for _, set := range []bool{diverging, leader, snapshot} {
		if set {
			count++
		}
	}
	e.uvarint(uint32(count))
	if diverging {
		e.tag(0, func() { e.i32(p.DivergingEpoch.Epoch); e.i64(p.DivergingEpoch.EndOffset); e.noTags() })
	}
	if leader {
		e.tag(1, func() { e.i32(p.CurrentLeader.LeaderID); e.i32(p.CurrentLeader.LeaderEpoch); e.noTags() })
	}
	if snapshot {
		e.tag(2, func() { e.i64(p.SnapshotID.EndOffset); e.i32(p.SnapshotID.Epoch); e.noTags() })
	}
}

// tag writes one tagged field: its number, its size, then its body.
func (e *fetchEncoder) tag(n uint32, body func()) {
	e.uvarint(n)
	start := len(e.b)
	body()
	encoded := append([]byte(nil), e.b[start:]...)
	e.b = e.b[:start]
	e.uvarint(uint32(len(encoded)))
	e.b = append(e.b, encoded...)
}

func (e *fetchEncoder) i16(v int16) { e.b = binary.BigEndian.AppendUint16(e.b, uint16(v)) }
func (e *fetchEncoder) i32(v int32) { e.b = binary.BigEndian.AppendUint32(e.b, uint32(v)) }
func (e *fetchEncoder) i64(v int64) { e.b = binary.BigEndian.AppendUint64(e.b, uint64(v)) }

func (e *fetchEncoder) uvarint(v uint32) { e.b = binary.AppendUvarint(e.b, uint64(v)) }

func (e *fetchEncoder) noTags() {
	if e.flexible {
		e.b = append(e.b, 0)
	}
}

func (e *fetchEncoder) str(s string) {
	if e.flexible {
		e.uvarint(uint32(len(s)) + 1)
	} else {
		e.i16(int16(len(s)))
	}
	e.b = append(e.b, s...)
}

func (e *fetchEncoder) arrayLen(n int) {
	if e.flexible {
		e.uvarint(uint32(n) + 1)
	} else {
		e.i32(int32(n))
	}
}

func (e *fetchEncoder) nullableArrayLen(n int, null bool) {
	switch {
	case null && e.flexible:
		e.uvarint(0)
	case null:
		e.i32(-1)
	default:
		e.arrayLen(n)
	}
}

// bytesLen writes the length of a record set, which is never null: Kafka
// sends an empty set, and librdkafka rejects a null one.
func (e *fetchEncoder) bytesLen(n int) {
	if e.flexible {
		e.uvarint(uint32(n) + 1)
	} else {
		e.i32(int32(n))
	}
}
