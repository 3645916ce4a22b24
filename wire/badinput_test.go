package wire

import (
	"encoding/binary"
	"errors"
	"runtime"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// frame prefixes payload with its length.
func frame(payload []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(payload))), payload...)
}

// header builds a v1 request header (key, version, correlation id, client id).
func header(key, version int16, corr int32, clientID string) []byte {
	b := binary.BigEndian.AppendUint16(nil, uint16(key))
	b = binary.BigEndian.AppendUint16(b, uint16(version))
	b = binary.BigEndian.AppendUint32(b, uint32(corr))
	b = binary.BigEndian.AppendUint16(b, uint16(len(clientID)))
	return append(b, clientID...)
}

// TestApiVersionsUnsupportedVersion: ApiVersions v99 is answered, not
// closed: a v0 response with UNSUPPORTED_VERSION and the supported table,
// whatever the request body holds. The connection stays usable.
func TestApiVersionsUnsupportedVersion(t *testing.T) {
	ts := startServer(t, testConfig(), nil)
	rc := dialRaw(t, ts.addr)
	payload := append(header(18, 99, 42, "future-client"), 0xde, 0xad, 0xbe, 0xef) // v99 body: unknown
	rc.write(frame(payload))
	corr, body, err := rc.readResponse()
	if err != nil {
		t.Fatal(err)
	}
	if corr != 42 {
		t.Fatalf("correlation id %d, want 42", corr)
	}
	resp := kmsg.NewPtrApiVersionsResponse() // v0
	if err := resp.ReadFrom(body); err != nil {
		t.Fatalf("decode as v0: %v", err)
	}
	if resp.ErrorCode != kerr.UnsupportedVersion.Code {
		t.Fatalf("error code %d, want %d", resp.ErrorCode, kerr.UnsupportedVersion.Code)
	}
	if len(resp.ApiKeys) != len(testVersions) {
		t.Fatalf("%d keys in the table, want %d", len(resp.ApiKeys), len(testVersions))
	}
	rc.write(request(metadataRequest(12, "still-open"), 43))
	if corr, _, err := rc.readResponse(); err != nil || corr != 43 {
		t.Fatalf("after ApiVersions v99: corr %d err %v", corr, err)
	}
}

// TestBadFrameLengths: lengths below a header, negative, or above the limit
// close the connection with a FrameSizeError.
func TestBadFrameLengths(t *testing.T) {
	closed := newCloseWatcher()
	cfg := testConfig()
	ts := startServer(t, cfg, nil, testHooks{connClosed: closed.hook})
	for _, length := range []int32{-1, -1 << 31, 0, minFrameSize - 1, cfg.MaxRequestBytes + 1, 1<<31 - 1} {
		rc := dialRaw(t, ts.addr)
		rc.write(binary.BigEndian.AppendUint32(nil, uint32(length)))
		rc.expectClosed()
		var fse *FrameSizeError
		if err := closed.next(t); !errors.As(err, &fse) || fse.Length != length || fse.Limit != cfg.MaxRequestBytes {
			t.Fatalf("length %d: close reason %v", length, err)
		}
	}
}

// TestOversizeFrameAllocatesNothing: a frame claiming more than the limit
// is refused from its length prefix, without allocating its size.
func TestOversizeFrameAllocatesNothing(t *testing.T) {
	closed := newCloseWatcher()
	cfg := testConfig() // 64 MiB limit
	ts := startServer(t, cfg, nil, testHooks{connClosed: closed.hook})
	rc := dialRaw(t, ts.addr)
	rc.write(request(metadataRequest(12, "warm-up"), 1)) // connection set up before measuring
	if _, _, err := rc.readResponse(); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	rc.write(binary.BigEndian.AppendUint32(nil, uint32(cfg.MaxRequestBytes+1)))
	rc.expectClosed()
	closed.next(t)
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Fatalf("refusing a %d-byte frame allocated %d bytes", cfg.MaxRequestBytes+1, grew)
	}
}

// TestLargeClaimSmallSend: a frame under the limit whose bytes never come
// costs memory for what arrived, not for what was claimed.
func TestLargeClaimSmallSend(t *testing.T) {
	closed := newCloseWatcher()
	cfg := testConfig()
	ts := startServer(t, cfg, nil, testHooks{connClosed: closed.hook})
	rc := dialRaw(t, ts.addr)
	rc.write(request(metadataRequest(12, "warm-up"), 1))
	if _, _, err := rc.readResponse(); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	rc.write(binary.BigEndian.AppendUint32(nil, uint32(cfg.MaxRequestBytes)))
	rc.write(header(3, 12, 2, "c"))
	rc.nc.Close()
	closed.next(t)
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 4<<20 {
		t.Fatalf("a %d-byte claim with a few bytes sent allocated %d bytes", cfg.MaxRequestBytes, grew)
	}
}

// TestBadRequestsCloseOnlyTheirConnection: each bad request closes its own
// connection with the right reason; a connection opened before keeps
// working, and so does a new one.
func TestBadRequestsCloseOnlyTheirConnection(t *testing.T) {
	tests := []struct {
		name    string
		payload []byte
		want    error
	}{
		{"garbage body", append(header(3, 12, 1, "c"), 0xff, 0xff, 0xff, 0xff, 0x0f), ErrMalformedRequest},
		{"truncated body", append(header(3, 4, 1, "c"), 0, 0, 0, 5, 0), ErrMalformedRequest},
		{"client id overruns frame", header(3, 4, 1, "c")[:9], ErrMalformedRequest},
		{"unknown api key", append(header(9999, 0, 1, "c"), 0), ErrUnknownAPIKey},
		{"negative api key", append(header(-2, 0, 1, "c"), 0), ErrUnknownAPIKey},
		{"unsupported version", request(metadataRequest(13), 1)[4:], ErrUnsupportedVersion},
		{"unserved api", request(kmsg.NewPtrFindCoordinatorRequest(), 1)[4:], ErrUnsupportedVersion},
		{"negative version", append(header(3, -1, 1, "c"), 0), ErrUnsupportedVersion},
		{"hostile tag count", append(header(18, 3, 1, "c"), 0, 1, 1, 0xff, 0xff, 0xff, 0xff, 0x0f), ErrMalformedRequest},
		{"hostile array count", append(append(header(3, 12, 1, "c"), 0), 0xff, 0xff, 0xff, 0x07, 0, 0, 0), ErrMalformedRequest},
	}
	closed := newCloseWatcher()
	ts := startServer(t, testConfig(), nil, testHooks{connClosed: closed.hook})
	bystander := dialRaw(t, ts.addr)
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rc := dialRaw(t, ts.addr)
			rc.write(frame(tc.payload))
			rc.expectClosed()
			if err := closed.next(t); !errors.Is(err, tc.want) {
				t.Fatalf("close reason %v, want %v", err, tc.want)
			}
			bystander.write(request(metadataRequest(12, "ok"), int32(i)))
			if corr, _, err := bystander.readResponse(); err != nil || corr != int32(i) {
				t.Fatalf("bystander: corr %d err %v", corr, err)
			}
		})
	}
	fresh := dialRaw(t, ts.addr)
	fresh.write(request(metadataRequest(12, "ok"), 1))
	if _, _, err := fresh.readResponse(); err != nil {
		t.Fatalf("new connection after bad input: %v", err)
	}
}

// TestEarlierRepliesBeforeBadInput: replies to requests before a bad one
// are written before the connection closes.
func TestEarlierRepliesBeforeBadInput(t *testing.T) {
	ts := startServer(t, testConfig(), nil)
	rc := dialRaw(t, ts.addr)
	burst := append(request(metadataRequest(12, "a"), 1), request(metadataRequest(12, "b"), 2)...)
	burst = append(burst, frame(append(header(3, 12, 3, "c"), 0xff))...)
	burst = append(burst, request(metadataRequest(12, "never"), 4)...)
	rc.write(burst)
	for _, want := range []int32{1, 2} {
		if corr, _, err := rc.readResponse(); err != nil || corr != want {
			t.Fatalf("corr %d err %v, want %d", corr, err, want)
		}
	}
	rc.expectClosed()
}

// TestPeerClosesMidFrame: a peer that disconnects inside a frame (length
// sent, some of the bytes) is cleaned up and the server carries on.
func TestPeerClosesMidFrame(t *testing.T) {
	closed := newCloseWatcher()
	ts := startServer(t, testConfig(), nil, testHooks{connClosed: closed.hook})
	for _, cut := range []int{2, 4, 6, 20} { // inside the length, after it, inside the header, inside the body
		full := request(metadataRequest(12, "topic-name"), 1)
		rc := dialRaw(t, ts.addr)
		rc.write(full[:cut])
		rc.nc.Close()
		if err := closed.next(t); !isDisconnect(err) {
			t.Fatalf("cut at %d: close reason %v", cut, err)
		}
	}
	if n := ts.open.Load(); n != 0 {
		t.Fatalf("%d connections still open", n)
	}
	rc := dialRaw(t, ts.addr)
	rc.write(request(metadataRequest(12, "ok"), 1))
	if _, _, err := rc.readResponse(); err != nil {
		t.Fatal(err)
	}
}
