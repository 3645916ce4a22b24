package kafkaapi_test

import (
	"bytes"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/skiffhq/skiff/cmd/skiff/server/servertest"
	"github.com/skiffhq/skiff/log/batch"
)

func TestProduceMessageTooLarge(t *testing.T) {
	n := servertest.Start(t, servertest.Override("message.max.bytes", "20000"))
	adm := n.Admin()
	createTopic(t, adm, "big-default", 1, nil)
	createTopic(t, adm, "big-small", 1, map[string]*string{"max.message.bytes": ptr("2000")})
	createTopic(t, adm, "big-large", 1, map[string]*string{"max.message.bytes": ptr("100000")})
	c := dialRaw(t, n.Addr())
	now := time.Now().UnixMilli()
	of := func(size int) []byte { return simpleBatch(now, string(bytes.Repeat([]byte("m"), size))) }

	tests := []struct {
		topic string
		size  int
		want  *kerr.Error
	}{
		{"big-default", 15000, nil},                  // under message.max.bytes
		{"big-default", 30000, kerr.MessageTooLarge}, // over the broker's default
		{"big-small", 1500, nil},                     // under the topic's override
		{"big-small", 3000, kerr.MessageTooLarge},    // over the override, under the default
		{"big-large", 50000, nil},                    // the override raises the limit
		{"big-large", 150000, kerr.MessageTooLarge},
	}
	for _, tt := range tests {
		p := produceRaw(t, c, tt.topic, 0, -1, of(tt.size))
		wantCode(t, tt.topic+" batch of "+itoa(tt.size), p.ErrorCode, tt.want)
	}
	ends := map[string]int64{"big-default": 1, "big-small": 1, "big-large": 1}
	for topic, want := range ends {
		if got := endOffsets(t, adm, topic)[0]; got != want {
			t.Errorf("%s ends at %d, want %d: a refused batch was appended", topic, got, want)
		}
	}
}

func TestProduceCorruptMessage(t *testing.T) {
	n := servertest.Start(t)
	createTopic(t, n.Admin(), "corrupt", 1, nil)
	c := dialRaw(t, n.Addr())
	good := simpleBatch(time.Now().UnixMilli(), "one", "two", "three")
	for _, pos := range []int{batch.HeaderSize + 3, len(good) - 2} {
		bad := bytes.Clone(good)
		bad[pos] ^= 0x10 // one bit in the records section: the CRC no longer matches
		p := produceRaw(t, c, "corrupt", 0, -1, bad)
		wantCode(t, "bit flipped in the records", p.ErrorCode, kerr.CorruptMessage)
	}
	// Bytes that hold no whole batch are corrupt too.
	p := produceRaw(t, c, "corrupt", 0, -1, good[:len(good)-5])
	wantCode(t, "truncated batch", p.ErrorCode, kerr.CorruptMessage)
	p = produceRaw(t, c, "corrupt", 0, -1, good)
	wantCode(t, "intact batch", p.ErrorCode, nil)
	if p.BaseOffset != 0 {
		t.Errorf("intact batch at %d, want 0: a corrupt one was appended", p.BaseOffset)
	}
}

func TestProduceInvalidRecord(t *testing.T) {
	n := servertest.Start(t)
	adm := n.Admin()
	createTopic(t, adm, "invalid", 1, nil)
	createTopic(t, adm, "compacted", 1, map[string]*string{"cleanup.policy": ptr("compact")})
	c := dialRaw(t, n.Addr())
	now := time.Now().UnixMilli()

	// Two batches for one partition in one request: Kafka allows exactly one.
	two := append(simpleBatch(now, "a"), simpleBatch(now, "b")...)
	p := produceRaw(t, c, "invalid", 0, -1, two)
	wantCode(t, "two batches", p.ErrorCode, kerr.InvalidRecord)
	// No records at all.
	p = produceRaw(t, c, "invalid", 0, -1, []byte{})
	wantCode(t, "no batch", p.ErrorCode, kerr.InvalidRecord)

	// A compacted topic needs keys: the keyless records are named.
	b := batch.NewBuilder(batch.DefaultBuilderOptions())
	b.AddSimple([]byte("k0"), []byte("v"), now)
	b.AddSimple(nil, []byte("v"), now)
	b.AddSimple([]byte("k2"), []byte("v"), now)
	b.AddSimple(nil, []byte("v"), now)
	p = produceRaw(t, c, "compacted", 0, -1, b.Build())
	wantCode(t, "keyless records on a compacted topic", p.ErrorCode, kerr.InvalidRecord)
	var bad []int32
	for _, e := range p.ErrorRecords {
		bad = append(bad, e.RelativeOffset)
	}
	if len(bad) != 2 || bad[0] != 1 || bad[1] != 3 {
		t.Errorf("record errors name relative offsets %v, want [1 3]", bad)
	}
	if p.ErrorMessage == nil {
		t.Error("INVALID_RECORD without an error message")
	}
	keyed := batch.NewBuilder(batch.DefaultBuilderOptions())
	keyed.AddSimple([]byte("k"), nil, now) // a tombstone has a key
	wantCode(t, "keyed tombstone on a compacted topic", produceRaw(t, c, "compacted", 0, -1, keyed.Build()).ErrorCode, nil)

	for topic, want := range map[string]int64{"invalid": 0, "compacted": 1} {
		if got := endOffsets(t, adm, topic)[0]; got != want {
			t.Errorf("%s ends at %d, want %d", topic, got, want)
		}
	}
}

func TestProduceWrongMagicAndInternalTopic(t *testing.T) {
	n := servertest.Start(t)
	createTopic(t, n.Admin(), "magic", 1, nil)
	c := dialRaw(t, n.Addr())
	for _, magic := range []byte{0, 1, 3} {
		b := simpleBatch(time.Now().UnixMilli(), "m")
		b[16] = magic // the magic byte is outside the CRC's range
		p := produceRaw(t, c, "magic", 0, -1, b)
		wantCode(t, "magic "+itoa(int(magic)), p.ErrorCode, kerr.InvalidRecord)
	}
	p := produceRaw(t, c, "__consumer_offsets", 0, -1, simpleBatch(time.Now().UnixMilli(), "x"))
	if p.ErrorCode == 0 {
		t.Error("a client produced to __consumer_offsets")
	}
	if got := endOffsets(t, n.Admin(), "magic")[0]; got != 0 {
		t.Errorf("magic ends at %d, want 0", got)
	}
}

func TestProduceInvalidTimestamp(t *testing.T) {
	n := servertest.Start(t)
	createTopic(t, n.Admin(), "ts-bounds", 1, map[string]*string{
		"message.timestamp.before.max.ms": ptr("3600000"), // 1 h
		"message.timestamp.after.max.ms":  ptr("60000"),   // 1 min
	})
	c := dialRaw(t, n.Addr())
	now := time.Now()
	tests := []struct {
		name string
		ts   time.Time
		want *kerr.Error
	}{
		{"now", now, nil},
		{"30 min old", now.Add(-30 * time.Minute), nil},
		{"2 h old", now.Add(-2 * time.Hour), kerr.InvalidTimestamp},
		{"30 s ahead", now.Add(30 * time.Second), nil},
		{"10 min ahead", now.Add(10 * time.Minute), kerr.InvalidTimestamp},
	}
	for _, tt := range tests {
		p := produceRaw(t, c, "ts-bounds", 0, -1, simpleBatch(tt.ts.UnixMilli(), tt.name))
		wantCode(t, tt.name, p.ErrorCode, tt.want)
		if tt.want != nil && p.ErrorMessage == nil {
			t.Errorf("%s: INVALID_TIMESTAMP without an error message", tt.name)
		}
	}
}

func TestProduceUnknownTopicAutoCreateOff(t *testing.T) {
	n := servertest.Start(t, servertest.Override("auto.create.topics.enable", "false"))
	c := dialRaw(t, n.Addr())
	p := produceRaw(t, c, "never-created", 0, -1, simpleBatch(time.Now().UnixMilli(), "x"))
	wantCode(t, "produce to an unknown topic", p.ErrorCode, kerr.UnknownTopicOrPartition)
	createTopic(t, n.Admin(), "known", 2, nil)
	p = produceRaw(t, c, "known", 5, -1, simpleBatch(time.Now().UnixMilli(), "x"))
	wantCode(t, "produce to an unknown partition", p.ErrorCode, kerr.UnknownTopicOrPartition)
	// The produce did not create the topic.
	md := kmsg.NewPtrMetadataRequest()
	md.SetVersion(12)
	mt := kmsg.NewMetadataRequestTopic()
	mt.Topic = kmsg.StringPtr("never-created")
	md.Topics = append(md.Topics, mt)
	md.AllowAutoTopicCreation = true
	resp := c.roundTrip(md).(*kmsg.MetadataResponse)
	wantCode(t, "metadata for the unknown topic", resp.Topics[0].ErrorCode, kerr.UnknownTopicOrPartition)
}

func TestApiVersionsUnsupported(t *testing.T) {
	n := servertest.Start(t)
	c := dialRaw(t, n.Addr())
	req := kmsg.NewPtrApiVersionsRequest()
	req.SetVersion(99)
	// A v99 request is framed like v3+ (flexible header); the broker must
	// answer in v0 with UNSUPPORTED_VERSION and its table, not hang up.
	corr := c.send(req)
	got, body, err := c.readFrame(false, 10*time.Second)
	if err != nil {
		t.Fatalf("ApiVersions v99: %v (the broker must answer, not close)", err)
	}
	if got != corr {
		t.Fatalf("correlation id %d, want %d", got, corr)
	}
	resp := kmsg.NewPtrApiVersionsResponse()
	resp.SetVersion(0)
	if err := resp.ReadFrom(body); err != nil {
		t.Fatalf("decode the v0 answer: %v", err)
	}
	wantCode(t, "ApiVersions v99", resp.ErrorCode, kerr.UnsupportedVersion)
	var found bool
	for _, k := range resp.ApiKeys {
		if k.ApiKey == int16(kmsg.ApiVersions) {
			found = k.MinVersion == 0 && k.MaxVersion >= 3
		}
	}
	if !found || len(resp.ApiKeys) < 10 {
		t.Errorf("unsupported-version answer lists %d keys (ApiVersions 0..3+: %v)", len(resp.ApiKeys), found)
	}
	// The connection stays usable at a version both know.
	req = kmsg.NewPtrApiVersionsRequest()
	req.SetVersion(3)
	req.ClientSoftwareName, req.ClientSoftwareVersion = "skiff-test", "1.0"
	if r := c.roundTrip(req).(*kmsg.ApiVersionsResponse); r.ErrorCode != 0 || len(r.ApiKeys) != len(resp.ApiKeys) {
		t.Errorf("ApiVersions v3 after v99: error %s, %d keys", errName(r.ErrorCode), len(r.ApiKeys))
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
