package kafkaapi_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/skiffhq/skiff/cmd/skiff/server/servertest"
	"github.com/skiffhq/skiff/log/batch"
)

// listOffset asks ListOffsets (at version) for one partition at timestamp.
func listOffset(t *testing.T, c *rawConn, version int16, topic string, partition int32, ts int64, currentEpoch int32) kmsg.ListOffsetsResponseTopicPartition {
	t.Helper()
	req := kmsg.NewPtrListOffsetsRequest()
	req.SetVersion(version)
	req.ReplicaID = -1
	rt := kmsg.NewListOffsetsRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewListOffsetsRequestTopicPartition()
	rp.Partition, rp.Timestamp, rp.CurrentLeaderEpoch = partition, ts, currentEpoch
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	resp := c.roundTrip(req).(*kmsg.ListOffsetsResponse)
	if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
		t.Fatalf("ListOffsets v%d: %d topics", version, len(resp.Topics))
	}
	return resp.Topics[0].Partitions[0]
}

// batchAt is one CreateTime batch whose records carry the given
// timestamps.
func batchAt(timestamps ...int64) []byte {
	o := batch.DefaultBuilderOptions()
	o.FirstTimestamp = timestamps[0]
	b := batch.NewBuilder(o)
	for i, ts := range timestamps {
		b.Add(batch.Record{OffsetDelta: int32(i), TimestampDelta: ts - timestamps[0], Value: []byte(strconv.FormatInt(ts, 10))})
	}
	return b.Build()
}

func TestListOffsets(t *testing.T) {
	n := servertest.Start(t)
	createTopic(t, n.Admin(), "lo", 1, nil)
	c := dialRaw(t, n.Addr())
	t0 := time.Now().Add(-time.Hour).UnixMilli()
	// Offsets 0..2 in one batch, 3..4 in another; the largest timestamp
	// (t0+50) is at offset 2, not at the end.
	wantCode(t, "produce", produceRaw(t, c, "lo", 0, -1, batchAt(t0, t0+10, t0+50)).ErrorCode, nil)
	wantCode(t, "produce", produceRaw(t, c, "lo", 0, -1, batchAt(t0+20, t0+30)).ErrorCode, nil)

	tests := []struct {
		name       string
		ts         int64
		minVersion int16
		offset     int64
		timestamp  int64
	}{
		{"earliest (-2)", -2, 1, 0, -1},
		{"latest (-1)", -1, 1, 5, -1},
		{"max timestamp (-3)", -3, 7, 2, t0 + 50},
		{"earliest local (-4)", -4, 8, 0, -1},
		{"exact first", t0, 1, 0, t0},
		{"exact middle", t0 + 10, 1, 1, t0 + 10},
		{"between records", t0 + 15, 1, 2, t0 + 50},
		{"after the largest timestamp", t0 + 51, 1, -1, -1},
		{"before everything", t0 - 1000, 1, 0, t0},
		{"after everything", t0 + 1000, 1, -1, -1},
	}
	for _, v := range []int16{1, 4, 7, 8} {
		for _, tt := range tests {
			if v < tt.minVersion {
				continue
			}
			what := "v" + strconv.Itoa(int(v)) + " " + tt.name
			p := listOffset(t, c, v, "lo", 0, tt.ts, -1)
			wantCode(t, what, p.ErrorCode, nil)
			if p.Offset != tt.offset || (tt.ts >= 0 || tt.ts == -3) && p.Timestamp != tt.timestamp {
				t.Errorf("%s: offset %d timestamp %d, want %d %d", what, p.Offset, p.Timestamp, tt.offset, tt.timestamp)
			}
			if v >= 4 && p.Offset >= 0 && p.LeaderEpoch != 0 {
				t.Errorf("%s: leader epoch %d, want 0", what, p.LeaderEpoch)
			}
		}
	}
	// Kafka answers the first record, in offset order, whose timestamp is
	// at or after the one asked: t0+25 finds t0+50 at offset 2, before
	// t0+30 at offset 4.
	p := listOffset(t, c, 8, "lo", 0, t0+25, -1)
	if p.Offset != 2 {
		t.Errorf("timestamp t0+25: offset %d, want 2 (the first record, in offset order, at or after it)", p.Offset)
	}

	// Errors: unknown partition and topic, leader-epoch fencing (v4+).
	wantCode(t, "unknown partition", listOffset(t, c, 8, "lo", 3, -1, -1).ErrorCode, kerr.UnknownTopicOrPartition)
	wantCode(t, "unknown topic", listOffset(t, c, 8, "nope", 0, -1, -1).ErrorCode, kerr.UnknownTopicOrPartition)
	wantCode(t, "current epoch", listOffset(t, c, 8, "lo", 0, -1, 0).ErrorCode, nil)
	wantCode(t, "newer epoch", listOffset(t, c, 8, "lo", 0, -1, 1).ErrorCode, kerr.UnknownLeaderEpoch)

	// An empty partition: earliest = latest = 0, no max timestamp.
	createTopic(t, n.Admin(), "lo-empty", 1, nil)
	for _, ts := range []int64{-2, -1, -4} {
		if p := listOffset(t, c, 8, "lo-empty", 0, ts, -1); p.ErrorCode != 0 || p.Offset != 0 {
			t.Errorf("empty partition at %d: %s offset %d, want 0", ts, errName(p.ErrorCode), p.Offset)
		}
	}
	if p := listOffset(t, c, 8, "lo-empty", 0, -3, -1); p.ErrorCode != 0 || p.Offset != -1 || p.Timestamp != -1 {
		t.Errorf("empty partition max timestamp: %s offset %d ts %d, want -1 -1", errName(p.ErrorCode), p.Offset, p.Timestamp)
	}
}

func TestListOffsetsLogAppendTime(t *testing.T) {
	n := servertest.Start(t)
	createTopic(t, n.Admin(), "lat", 1, map[string]*string{"message.timestamp.type": ptr("LogAppendTime")})
	c := dialRaw(t, n.Addr())
	before := time.Now().UnixMilli()
	old := time.Now().Add(-48 * time.Hour).UnixMilli()
	p := produceRaw(t, c, "lat", 0, -1, batchAt(old, old+1, old+2))
	after := time.Now().UnixMilli()
	wantCode(t, "produce", p.ErrorCode, nil)
	if p.LogAppendTime < before || p.LogAppendTime > after {
		t.Errorf("produce answer's log append time %d, want the broker's clock in [%d, %d]", p.LogAppendTime, before, after)
	}
	// Every record carries the append time, whatever the producer set.
	cl := n.Client(kgo.ConsumeTopics("lat"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	recs := cl.PollFetches(testCtx(t)).Records()
	if len(recs) != 3 {
		t.Fatalf("consumed %d records, want 3", len(recs))
	}
	for _, r := range recs {
		if r.Timestamp.UnixMilli() != p.LogAppendTime || r.Attrs.TimestampType() != 1 {
			t.Errorf("offset %d: timestamp %d type %d, want %d LogAppendTime", r.Offset, r.Timestamp.UnixMilli(), r.Attrs.TimestampType(), p.LogAppendTime)
		}
	}
	// The stamped batch is stored with a correct CRC.
	if whole, _ := batchesIn(t, fetchRaw(t, c, fetchReq(12, "lat", [16]byte{}, 0, 0)).RecordBatches); len(whole) != 1 || !whole[0].LogAppendTime() || whole[0].MaxTimestamp != p.LogAppendTime {
		t.Errorf("stored batch %+v, want one LogAppendTime batch stamped %d", whole, p.LogAppendTime)
	}
	// Timestamp lookups use the append time, not the producer's.
	if got := listOffset(t, c, 8, "lat", 0, old+1, -1); got.Offset != 0 || got.Timestamp != p.LogAppendTime {
		t.Errorf("lookup at the producer's old timestamp: offset %d ts %d, want 0 at the append time", got.Offset, got.Timestamp)
	}
	if got := listOffset(t, c, 8, "lat", 0, p.LogAppendTime+1, -1); got.Offset != -1 {
		t.Errorf("lookup after the append time: offset %d, want -1", got.Offset)
	}
	if got := listOffset(t, c, 8, "lat", 0, -3, -1); got.Timestamp != p.LogAppendTime || got.Offset < 0 {
		t.Errorf("max timestamp: offset %d ts %d, want the append time %d", got.Offset, got.Timestamp, p.LogAppendTime)
	}
}

// offsetForEpoch asks OffsetForLeaderEpoch (v4) for one partition.
func offsetForEpoch(t *testing.T, c *rawConn, topic string, partition, epoch, current int32) kmsg.OffsetForLeaderEpochResponseTopicPartition {
	t.Helper()
	req := kmsg.NewPtrOffsetForLeaderEpochRequest()
	req.SetVersion(4)
	req.ReplicaID = -1
	rt := kmsg.NewOffsetForLeaderEpochRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewOffsetForLeaderEpochRequestTopicPartition()
	rp.Partition, rp.LeaderEpoch, rp.CurrentLeaderEpoch = partition, epoch, current
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	resp := c.roundTrip(req).(*kmsg.OffsetForLeaderEpochResponse)
	return resp.Topics[0].Partitions[0]
}

func TestOffsetForLeaderEpoch(t *testing.T) {
	n := servertest.Start(t)
	adm := n.Admin()
	createTopic(t, adm, "ofle", 1, nil)
	createTopic(t, adm, "ofle-empty", 1, nil)
	c := dialRaw(t, n.Addr())
	wantCode(t, "produce", produceRaw(t, c, "ofle", 0, -1, simpleBatch(time.Now().UnixMilli(), "a", "b", "c")).ErrorCode, nil)

	tests := []struct {
		name           string
		topic          string
		epoch, current int32
		wantEpoch      int32
		wantEnd        int64
		wantErr        *kerr.Error
	}{
		{"current epoch: the log end", "ofle", 0, -1, 0, 3, nil},
		{"checked current epoch", "ofle", 0, 0, 0, 3, nil},
		{"epoch newer than any", "ofle", 3, -1, -1, -1, nil},
		{"current epoch newer than the leader's", "ofle", 0, 1, -1, -1, kerr.UnknownLeaderEpoch},
		// A leader knows its own epoch from the moment it leads, before it
		// has appended anything in it (Kafka assigns the epoch's start at
		// the log end then), so an empty partition answers (0, 0), not
		// UNDEFINED: consumers would otherwise reset their position.
		{"empty partition, current epoch", "ofle-empty", 0, -1, 0, 0, nil},
		{"unknown partition", "nope", 0, -1, -1, -1, kerr.UnknownTopicOrPartition},
	}
	for _, tt := range tests {
		p := offsetForEpoch(t, c, tt.topic, 0, tt.epoch, tt.current)
		wantCode(t, tt.name, p.ErrorCode, tt.wantErr)
		if p.LeaderEpoch != tt.wantEpoch || p.EndOffset != tt.wantEnd {
			t.Errorf("%s: epoch %d end %d, want %d %d", tt.name, p.LeaderEpoch, p.EndOffset, tt.wantEpoch, tt.wantEnd)
		}
	}

	// A kgo consumer validates its position with OffsetForLeaderEpoch
	// after a metadata refresh and keeps consuming.
	cl := n.Client(kgo.ConsumeTopics("ofle"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if recs := cl.PollFetches(testCtx(t)).Records(); len(recs) != 3 {
		t.Errorf("consumed %d records, want 3", len(recs))
	}
	cl.ForceMetadataRefresh()
	wantCode(t, "produce", produceRaw(t, c, "ofle", 0, -1, simpleBatch(time.Now().UnixMilli(), "d")).ErrorCode, nil)
	if recs := cl.PollFetches(testCtx(t)).Records(); len(recs) != 1 || recs[0].Offset != 3 {
		t.Errorf("after a metadata refresh consumed %d records", len(recs))
	}
}
