package record

import (
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current encoder")

func str(s string) *string { return &s }

var (
	topicID  = UUID{0x3c, 0x1f, 0x9a, 0x02, 0x55, 0x10, 0x4e, 0x8b, 0x9f, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66}
	incarnID = UUID{0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x40, 0x01, 0x80, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08}
)

// samples holds one fully populated value of every record type, named for
// its golden file. Adding a type without a sample fails TestEveryTypeHasASample.
var samples = []struct {
	name string
	rec  Record
}{
	{"register_broker", &RegisterBroker{
		BrokerID: 3, IncarnationID: incarnID, BrokerEpoch: 1234567,
		Endpoints: []Endpoint{
			{Name: "PLAINTEXT", Host: "10.0.0.3", Port: 9092, SecurityProtocol: SecurityProtocolPlaintext},
			{Name: "SSL", Host: "broker-3.example", Port: 9094, SecurityProtocol: SecurityProtocolSSL},
		},
		Rack: "eu-west-1a", Fenced: true, InControlledShutdown: false,
	}},
	{"broker_registration_change", &BrokerRegistrationChange{BrokerID: 3, BrokerEpoch: 1234567, Fenced: Unfence, InControlledShutdown: EnterControlledShutdown}},
	{"unregister_broker", &UnregisterBroker{BrokerID: 7, BrokerEpoch: 99}},
	{"topic", &Topic{Name: "orders.v1", TopicID: topicID}},
	{"partition", &Partition{
		TopicID: topicID, PartitionID: 11, Replicas: []int32{1, 2, 3}, ISR: []int32{1, 3},
		RemovingReplicas: []int32{2}, AddingReplicas: []int32{4},
		Leader: 1, LeaderEpoch: 5, PartitionEpoch: 9, LeaderRecoveryState: LeaderRecovering,
	}},
	{"partition_change", &PartitionChange{
		TopicID: topicID, PartitionID: 11, PartitionEpoch: 9, Leader: 3,
		ISR: []int32{3}, Replicas: nil, RemovingReplicas: []int32{}, AddingReplicas: nil,
		LeaderRecoveryState: NoRecoveryStateChange,
	}},
	{"config", &Config{ResourceType: ResourceTopic, ResourceName: "orders.v1", Name: "retention.ms", Value: str("86400000")}},
	{"config_delete", &Config{ResourceType: ResourceBroker, ResourceName: "", Name: "log.retention.ms", Value: nil}},
	{"producer_ids", &ProducerIDs{BrokerID: 1, BrokerEpoch: 42, NextProducerID: 5000}},
	{"remove_topic", &RemoveTopic{TopicID: topicID}},
	{"no_op", &NoOp{}},
}

func TestEveryTypeHasASample(t *testing.T) {
	seen := map[Type]bool{}
	for _, s := range samples {
		seen[s.rec.Type()] = true
	}
	for typ := Type(0); typ < 64; typ++ {
		if newRecord(typ) != nil && !seen[typ] {
			t.Errorf("type %s has no sample (round-trip and golden tests need one)", typ)
		}
	}
}

func TestRoundTripEachType(t *testing.T) {
	for _, s := range samples {
		t.Run(s.name, func(t *testing.T) {
			got, err := Decode(Encode([]Record{s.rec}))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if len(got) != 1 || !reflect.DeepEqual(got[0], s.rec) {
				t.Fatalf("round trip:\n got %#v\nwant %#v", got, s.rec)
			}
		})
	}
}

func TestRoundTripZeroValues(t *testing.T) {
	for typ := Type(0); typ < 64; typ++ {
		rec := newRecord(typ)
		if rec == nil {
			continue
		}
		got, err := Decode(Encode([]Record{rec}))
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		if !reflect.DeepEqual(got[0], rec) {
			t.Errorf("%s: got %#v want %#v", typ, got[0], rec)
		}
	}
}

func TestRoundTripEntryOfManyRecords(t *testing.T) {
	var all []Record
	for _, s := range samples {
		all = append(all, s.rec)
	}
	got, err := Decode(Encode(all))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, all) {
		t.Fatalf("entry round trip mismatch")
	}
	empty, err := Decode(Encode(nil))
	if err != nil || len(empty) != 0 {
		t.Fatalf("empty entry: %v %v", empty, err)
	}
}

// TestNullVersusEmpty pins the one place nil and empty differ.
func TestNullVersusEmpty(t *testing.T) {
	rec := &PartitionChange{ISR: []int32{}, Replicas: nil, Leader: NoLeaderChange}
	got, err := Decode(Encode([]Record{rec}))
	if err != nil {
		t.Fatal(err)
	}
	pc := got[0].(*PartitionChange)
	if pc.ISR == nil || len(pc.ISR) != 0 {
		t.Errorf("empty ISR decoded as %#v, want non-nil empty", pc.ISR)
	}
	if pc.Replicas != nil {
		t.Errorf("null replicas decoded as %#v, want nil", pc.Replicas)
	}
}

// TestGolden pins the exact bytes of every record type. A failure means the
// on-disk format changed: add a new version instead. Regenerate with
// `go test ./metadata/record -run TestGolden -update` only for a new type.
func TestGolden(t *testing.T) {
	for _, s := range samples {
		t.Run(s.name, func(t *testing.T) {
			path := filepath.Join("testdata", s.name+".golden")
			got := hex.EncodeToString(Encode([]Record{s.rec})) + "\n"
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read golden (run with -update to create): %v", err)
			}
			if got != string(want) {
				t.Fatalf("encoding changed:\n got %s\nwant %s", got, want)
			}
			raw, err := hex.DecodeString(strings.TrimSpace(string(want)))
			if err != nil {
				t.Fatal(err)
			}
			decoded, err := Decode(raw)
			if err != nil || !reflect.DeepEqual(decoded, []Record{s.rec}) {
				t.Fatalf("golden bytes decode to %#v, %v", decoded, err)
			}
		})
	}
}

// rawEntry builds an entry by hand so tests can write versions and bodies
// this encoder never would.
func rawEntry(typ Type, version uint64, body []byte) []byte {
	b := []byte{entryFormat, 1}
	b = appendUint(b, uint64(typ))
	b = appendUint(b, version)
	b = appendUint(b, uint64(len(body)))
	return append(b, body...)
}

func TestNewerVersionSkipsUnknownTrailingFields(t *testing.T) {
	want := &Topic{Name: "t", TopicID: topicID}
	body := want.appendBody(nil)
	body = append(body, 0x07, 0x08, 0x09) // fields a future v1 appended
	got, err := Decode(rawEntry(TypeTopic, 1, body))
	if err != nil {
		t.Fatalf("decode newer version: %v", err)
	}
	if !reflect.DeepEqual(got[0], want) {
		t.Fatalf("got %#v want %#v", got[0], want)
	}
}

func TestDecodeErrors(t *testing.T) {
	topicBody := (&Topic{Name: "t", TopicID: topicID}).appendBody(nil)
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "empty entry"},
		{"unknown format", []byte{0x02, 0}, "unknown entry format"},
		{"count exceeds bytes", []byte{entryFormat, 5, 4, 0, 0}, "record count 5 exceeds"},
		{"unknown type", rawEntry(Type(999), 0, nil), "unknown type 999"},
		{"type zero", rawEntry(Type(0), 0, nil), "unknown type 0"},
		{"body length exceeds", append([]byte{entryFormat, 1, byte(TypeTopic), 0, 50}, topicBody...), "record length 50 exceeds"},
		{"trailing bytes in known version", rawEntry(TypeTopic, 0, append(append([]byte{}, topicBody...), 1)), "unexpected bytes"},
		{"short uuid", rawEntry(TypeRemoveTopic, 0, []byte{1, 2, 3}), "short topic id"},
		{"string too long", rawEntry(TypeTopic, 0, []byte{40, 'a'}), "topic name length 40 exceeds"},
		{"bad bool", rawEntry(TypeRegisterBroker, 0, append((&RegisterBroker{}).appendBody(nil)[:20], 7, 0)), "bad bool 7"},
		{"int32 out of range", rawEntry(TypeUnregisterBroker, 0, appendInt(nil, 1<<40)), "broker id 1099511627776 out of range"},
		{"bad varint", rawEntry(TypeUnregisterBroker, 0, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}), "bad varint"},
		{"trailing after records", append(Encode([]Record{&NoOp{}}), 0), "trailing bytes"},
		{"huge array count", rawEntry(TypePartition, 0, append(topicBody[2:18:18], 0, 0xff, 0xff, 0xff, 0x0f)), "replicas count"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.data)
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("want *FormatError, got %v", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}

func TestDecodeTruncatedNeverPanics(t *testing.T) {
	var all []Record
	for _, s := range samples {
		all = append(all, s.rec)
	}
	full := Encode(all)
	for i := 0; i < len(full); i++ {
		if _, err := Decode(full[:i]); err == nil {
			t.Fatalf("truncation at %d of %d decoded without error", i, len(full))
		}
	}
}

func TestEncodeIsDeterministic(t *testing.T) {
	for _, s := range samples {
		if !bytes.Equal(Encode([]Record{s.rec}), Encode([]Record{s.rec})) {
			t.Fatalf("%s: two encodings differ", s.name)
		}
	}
}
