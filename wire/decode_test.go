package wire

import (
	"errors"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func newTestDecoder(t testing.TB, supports func(key, version int16) bool) *decoder {
	return &decoder{shapes: allShapes(t), supports: supports}
}

func supportsAll(int16, int16) bool { return true }

func apiVersionsAt(v int16) *kmsg.ApiVersionsRequest {
	req := kmsg.NewPtrApiVersionsRequest()
	req.SetVersion(v)
	req.ClientSoftwareName, req.ClientSoftwareVersion = "test", "1"
	return req
}

func TestDecode(t *testing.T) {
	d := newTestDecoder(t, (&testHandler{}).Supports)
	tests := []struct {
		name            string
		frame           []byte
		wantErr         error
		wantUnsupported bool
	}{
		{name: "metadata v12", frame: request(metadataRequest(12, "a"), 1)[4:]},
		{name: "metadata v0", frame: request(metadataRequest(0, "a"), 1)[4:]},
		{name: "trailing bytes ignored", frame: append(request(metadataRequest(4, "a"), 1)[4:], 1, 2, 3)},
		{name: "apiversions v99", frame: append(header(18, 99, 1, "c"), 1, 2, 3), wantUnsupported: true},
		{name: "apiversions v5 (not served)", frame: request(apiVersionsAt(5), 1)[4:], wantUnsupported: true},
		{name: "apiversions -1", frame: header(18, -1, 1, "c"), wantUnsupported: true},
		{name: "apiversions unsupported, bad client id", frame: []byte{0, 18, 0, 99, 0, 0, 0, 1, 0, 50}, wantErr: ErrMalformedRequest},
		{name: "unknown key", frame: header(30000, 0, 1, "c"), wantErr: ErrUnknownAPIKey},
		{name: "unsupported version", frame: request(metadataRequest(13, "a"), 1)[4:], wantErr: ErrUnsupportedVersion},
		{name: "short", frame: []byte{0, 3, 0}, wantErr: ErrMalformedRequest},
		{name: "bad body", frame: append(header(3, 4, 1, "c"), 0, 0, 0, 1), wantErr: ErrMalformedRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := d.decode(tc.frame)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.unsupportedAPIVersions != tc.wantUnsupported {
				t.Fatalf("unsupported = %v", got.unsupportedAPIVersions)
			}
			if got.body.Key() != got.header.key {
				t.Fatalf("body key %d, header key %d", got.body.Key(), got.header.key)
			}
			if tc.wantUnsupported && got.body.GetVersion() != 0 {
				t.Fatalf("unsupported ApiVersions body at v%d, want v0", got.body.GetVersion())
			}
		})
	}
}

// decodeSeeds are valid requests of several kinds and versions, and a few
// hostile ones.
func decodeSeeds() [][]byte {
	var seeds [][]byte
	add := func(req kmsg.Request, version int16) {
		req.SetVersion(version)
		seeds = append(seeds, request(req, 1)[4:])
	}
	add(metadataRequest(0, "a", "b"), 4)
	add(metadataRequest(0, "a", "b"), 12)
	av := kmsg.NewPtrApiVersionsRequest()
	av.ClientSoftwareName, av.ClientSoftwareVersion = "x", "1"
	add(av, 3)
	p := kmsg.NewPtrProduceRequest()
	pt := kmsg.NewProduceRequestTopic()
	pt.Topic = "t"
	pp := kmsg.NewProduceRequestTopicPartition()
	pp.Records = []byte("records")
	pt.Partitions = append(pt.Partitions, pp)
	p.Topics = append(p.Topics, pt)
	add(p, 3)
	add(p, 9)
	f := kmsg.NewPtrFetchRequest()
	ft := kmsg.NewFetchRequestTopic()
	ft.Topic = "t"
	ft.Partitions = append(ft.Partitions, kmsg.NewFetchRequestTopicPartition())
	f.Topics = append(f.Topics, ft)
	id := "cluster"
	f.ClusterID = &id
	add(f, 4)
	add(f, 15)
	ct := kmsg.NewPtrCreateTopicsRequest()
	ctt := kmsg.NewCreateTopicsRequestTopic()
	ctt.Topic = "new"
	ctt.Configs = append(ctt.Configs, kmsg.NewCreateTopicsRequestTopicConfig())
	ct.Topics = append(ct.Topics, ctt)
	add(ct, 5)
	jg := kmsg.NewPtrJoinGroupRequest()
	jg.Protocols = append(jg.Protocols, kmsg.NewJoinGroupRequestProtocol())
	add(jg, 6)
	seeds = append(seeds,
		append(header(18, 3, 1, "c"), 0, 1, 1, 0xff, 0xff, 0xff, 0xff, 0x0f),
		append(header(3, 12, 1, "c"), 0, 0xff, 0xff, 0xff, 0x07),
		append(header(18, 99, 1, "c"), 1, 2),
		[]byte{0, 7, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1},
	)
	return seeds
}

// FuzzDecodeRequest: any frame either fails to decode with one of the
// package's errors or yields a body kmsg can encode and decode again;
// nothing panics, hangs or allocates without bound. Every version kmsg
// knows is served, so the fuzzer reaches every decoder.
func FuzzDecodeRequest(f *testing.F) {
	for _, s := range decodeSeeds() {
		f.Add(s)
	}
	d := newTestDecoder(f, supportsAll)
	f.Fuzz(func(t *testing.T, frame []byte) {
		got, err := d.decode(frame)
		if err != nil {
			if !errors.Is(err, ErrMalformedRequest) && !errors.Is(err, ErrUnknownAPIKey) && !errors.Is(err, ErrUnsupportedVersion) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if got.body.Key() != got.header.key {
			t.Fatalf("body key %d for header key %d", got.body.Key(), got.header.key)
		}
		again := kmsg.RequestForKey(got.header.key)
		again.SetVersion(got.body.GetVersion())
		if err := again.ReadFrom(got.body.AppendTo(nil)); err != nil {
			t.Fatalf("%s v%d: re-encoded body does not decode: %v", kmsg.NameForKey(got.header.key), got.body.GetVersion(), err)
		}
	})
}
