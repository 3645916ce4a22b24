package controller

import (
	"math"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/skiffhq/skiff/metadata/quorum"
	"github.com/skiffhq/skiff/metadata/record"
)

func registration(id int32, incarnation byte) *kmsg.BrokerRegistrationRequest {
	req := kmsg.NewPtrBrokerRegistrationRequest()
	req.Version = 3
	req.BrokerID, req.ClusterID, req.IncarnationID = id, "test-cluster", record.UUID{incarnation}
	req.Rack = str("r1")
	req.Listeners = []kmsg.BrokerRegistrationRequestListener{{Name: "PLAINTEXT", Host: "h", Port: 9092}}
	return req
}

// register runs a registration to commit, as the loop would.
func register(t *testing.T, c *cluster, e *env, req *kmsg.BrokerRegistrationRequest) *kmsg.BrokerRegistrationResponse {
	t.Helper()
	resp, entries := decideBrokerRegistration(c.img, req, e)
	c.commit(entries)
	for _, en := range entries {
		en.onCommit(quorum.ProposeResult{Index: c.img.Offset(), Term: 1})
	}
	return resp
}

func heartbeat(id int32, epoch, offset int64) *kmsg.BrokerHeartbeatRequest {
	req := kmsg.NewPtrBrokerHeartbeatRequest()
	req.BrokerID, req.BrokerEpoch, req.CurrentMetadataOffset = id, epoch, offset
	return req
}

func TestBrokerRegistration(t *testing.T) {
	c := newCluster(t)
	e := testEnv(testConfig())
	resp := register(t, c, e, registration(1, 0xa))
	b, ok := c.img.Broker(1)
	if resp.ErrorCode != 0 || !ok || b.Epoch != resp.BrokerEpoch || !b.Fenced || b.Rack != "r1" || len(b.Endpoints) != 1 {
		t.Fatalf("registered %+v from %+v", b, resp)
	}

	tests := []struct {
		name string
		req  func() *kmsg.BrokerRegistrationRequest
		code *kerr.Error
	}{
		{"wrong cluster", func() *kmsg.BrokerRegistrationRequest { r := registration(2, 1); r.ClusterID = "x"; return r }, kerr.InconsistentClusterID},
		{"negative id", func() *kmsg.BrokerRegistrationRequest { return registration(-1, 1) }, kerr.InvalidRegistration},
		{"duplicate listener", func() *kmsg.BrokerRegistrationRequest {
			r := registration(2, 1)
			r.Listeners = append(r.Listeners, r.Listeners[0])
			return r
		}, kerr.InvalidRegistration},
		{"other incarnation while live", func() *kmsg.BrokerRegistrationRequest { return registration(1, 0xb) }, kerr.DuplicateBrokerRegistration},
	}
	for _, tt := range tests {
		resp, entries := decideBrokerRegistration(c.img, tt.req(), e)
		if resp.ErrorCode != tt.code.Code || len(entries) != 0 {
			t.Errorf("%s: got %d, want %s", tt.name, resp.ErrorCode, tt.code.Message)
		}
	}

	// The same incarnation re-registers (a retry): new, higher epoch.
	again := register(t, c, e, registration(1, 0xa))
	if again.ErrorCode != 0 || again.BrokerEpoch <= resp.BrokerEpoch {
		t.Fatalf("retry: %+v", again)
	}
	// A restart naming the live epoch as its previous one is allowed.
	restart := registration(1, 0xc)
	restart.PreviousBrokerEpoch = again.BrokerEpoch
	if r := register(t, c, e, restart); r.ErrorCode != 0 {
		t.Fatalf("restart with previous epoch: %d", r.ErrorCode)
	}
	// Once the session lapses, any incarnation may take over.
	e.now = e.now.Add(e.cfg.SessionTimeout)
	if r := register(t, c, e, registration(1, 0xd)); r.ErrorCode != 0 {
		t.Fatalf("takeover after session expiry: %d", r.ErrorCode)
	}
}

func TestBrokerHeartbeat(t *testing.T) {
	c := newCluster(t)
	e := testEnv(testConfig())
	epoch := register(t, c, e, registration(1, 0xa)).BrokerEpoch
	regOffset := c.img.Offset()

	resp, entries := decideBrokerHeartbeat(c.img, heartbeat(1, epoch+1, regOffset), e)
	if resp.ErrorCode != kerr.StaleBrokerEpoch.Code || len(entries) != 0 {
		t.Fatalf("stale epoch: %+v", resp)
	}
	if resp, _ := decideBrokerHeartbeat(c.img, heartbeat(9, 1, 0), e); resp.ErrorCode != kerr.StaleBrokerEpoch.Code {
		t.Fatal("unregistered broker accepted")
	}

	// Not caught up yet: stays fenced.
	resp, entries = decideBrokerHeartbeat(c.img, heartbeat(1, epoch, regOffset-1), e)
	if resp.ErrorCode != 0 || resp.IsCaughtUp || !resp.IsFenced || len(entries) != 0 {
		t.Fatalf("behind: %+v", resp)
	}
	// Wants to stay fenced: stays fenced even when caught up.
	wantFence := heartbeat(1, epoch, regOffset)
	wantFence.WantFence = true
	if resp, entries = decideBrokerHeartbeat(c.img, wantFence, e); !resp.IsFenced || len(entries) != 0 {
		t.Fatalf("want fence: %+v", resp)
	}
	// Caught up: unfenced.
	resp, entries = decideBrokerHeartbeat(c.img, heartbeat(1, epoch, regOffset), e)
	if !resp.IsCaughtUp || resp.IsFenced || len(entries) != 1 {
		t.Fatalf("caught up: %+v", resp)
	}
	c.commit(entries)
	if b, _ := c.img.Broker(1); b.Fenced {
		t.Fatal("not unfenced")
	}
	// Steady state: nothing to write.
	if _, entries = decideBrokerHeartbeat(c.img, heartbeat(1, epoch, c.img.Offset()), e); len(entries) != 0 {
		t.Fatal("steady heartbeat wrote an entry")
	}
	// Asks to be fenced.
	if resp, entries = decideBrokerHeartbeat(c.img, wantFence, e); !resp.IsFenced || len(entries) != 1 {
		t.Fatalf("fence on request: %+v", resp)
	}
	c.commit(entries)
	// Wants to shut down: fenced, in controlled shutdown, told to go.
	shutdown := heartbeat(1, epoch, c.img.Offset())
	shutdown.WantShutdown = true
	resp, entries = decideBrokerHeartbeat(c.img, shutdown, e)
	if !resp.ShouldShutdown || !resp.IsFenced || len(entries) != 1 {
		t.Fatalf("shutdown: %+v", resp)
	}
	c.commit(entries)
	if b, _ := c.img.Broker(1); !b.Fenced || !b.InControlledShutdown {
		t.Fatalf("after shutdown %+v", b)
	}
	// A proposal failure is reported.
	c2 := newCluster(t)
	epoch2 := register(t, c2, e, registration(2, 1)).BrokerEpoch
	resp, entries = decideBrokerHeartbeat(c2.img, heartbeat(2, epoch2, c2.img.Offset()), e)
	entries[0].onError(errorf(kerr.NotController, ""))
	if resp.ErrorCode != kerr.NotController.Code || !resp.IsFenced {
		t.Fatalf("failed unfence: %+v", resp)
	}
}

// TestLivenessOverSimulatedTime drives sessions with a simulated clock
// ticking every 2s: broker 1 keeps heartbeating and stays unfenced; broker
// 2 stops after its heartbeat at 4s and is fenced at the first check past
// 4s+9s; broker 3 never heartbeats and is fenced at the first check past
// the controller's activation + 9s.
func TestLivenessOverSimulatedTime(t *testing.T) {
	c := newCluster(t).brokers("", "", "")
	e := testEnv(testConfig())
	start := e.now
	fencedAt := map[int32]time.Duration{}
	for elapsed := time.Duration(0); elapsed <= 20*time.Second; elapsed += 2 * time.Second {
		e.now = start.Add(elapsed)
		for _, id := range []int32{1, 2} {
			if id == 2 && elapsed > 4*time.Second {
				continue
			}
			b, _ := c.img.Broker(id)
			if resp, entries := decideBrokerHeartbeat(c.img, heartbeat(id, b.Epoch, c.img.Offset()), e); resp.ErrorCode != 0 || len(entries) != 0 {
				t.Fatalf("heartbeat %d at %s: %+v", id, elapsed, resp)
			}
		}
		entries := decideFencing(c.img, e)
		for _, en := range entries {
			fencedAt[en.records[0].(*record.BrokerRegistrationChange).BrokerID] = elapsed
		}
		c.commit(entries)
	}
	want := map[int32]time.Duration{3: 10 * time.Second, 2: 14 * time.Second}
	if len(fencedAt) != len(want) || fencedAt[2] != want[2] || fencedAt[3] != want[3] {
		t.Fatalf("fenced at %v, want %v", fencedAt, want)
	}
	for id, wantFenced := range map[int32]bool{1: false, 2: true, 3: true} {
		if b, _ := c.img.Broker(id); b.Fenced != wantFenced {
			t.Fatalf("broker %d fenced=%v, want %v", id, b.Fenced, wantFenced)
		}
	}
}

func TestLivenessExactExpiry(t *testing.T) {
	c := newCluster(t).brokers("", "")
	e := testEnv(testConfig())
	t0 := e.now
	e.live.touch(1, t0.Add(3*time.Second))
	for _, tc := range []struct {
		at   time.Duration
		want []int32
	}{
		{8999 * time.Millisecond, nil},
		{9 * time.Second, []int32{2}}, // never heard from: session from activation
		{11999 * time.Millisecond, []int32{2}},
		{12 * time.Second, []int32{1, 2}},
	} {
		var got []int32
		for _, b := range e.live.staleBrokers(c.img, t0.Add(tc.at)) {
			got = append(got, b.ID)
		}
		if len(got) != len(tc.want) || len(got) > 0 && (got[0] != tc.want[0] || got[len(got)-1] != tc.want[len(tc.want)-1]) {
			t.Fatalf("at %s stale %v, want %v", tc.at, got, tc.want)
		}
	}
	// A new active controller restarts every session.
	e.live.reset(t0.Add(20*time.Second), c.img.Offset())
	if stale := e.live.staleBrokers(c.img, t0.Add(28*time.Second)); len(stale) != 0 {
		t.Fatal("failover fenced brokers")
	}
	// Fenced brokers are not fenced again.
	c.fence(1).fence(2)
	if stale := e.live.staleBrokers(c.img, t0.Add(time.Hour)); len(stale) != 0 {
		t.Fatal("fenced brokers fenced again")
	}
}

func TestAllocateProducerIDs(t *testing.T) {
	c := newCluster(t).brokers("")
	e := testEnv(testConfig())
	b, _ := c.img.Broker(1)
	req := kmsg.NewPtrAllocateProducerIDsRequest()
	req.BrokerID, req.BrokerEpoch = 1, b.Epoch
	var last int64 = -1
	for i := 0; i < 3; i++ {
		resp, entries := decideAllocateProducerIDs(c.img, req, e)
		if resp.ErrorCode != 0 || resp.ProducerIDLen != 1000 || resp.ProducerIDStart <= last || resp.ProducerIDStart != int64(i)*1000 {
			t.Fatalf("block %d: %+v", i, resp)
		}
		last = resp.ProducerIDStart
		c.commit(entries)
	}
	req.BrokerEpoch++
	if resp, entries := decideAllocateProducerIDs(c.img, req, e); resp.ErrorCode != kerr.StaleBrokerEpoch.Code || len(entries) != 0 {
		t.Fatal("stale broker epoch accepted")
	}
	req.BrokerID = 7
	if resp, _ := decideAllocateProducerIDs(c.img, req, e); resp.ErrorCode != kerr.StaleBrokerEpoch.Code {
		t.Fatal("unknown broker accepted")
	}
	// Exhaustion.
	c.apply(&record.ProducerIDs{NextProducerID: math.MaxInt64 - 10})
	req.BrokerID, req.BrokerEpoch = 1, b.Epoch
	if resp, entries := decideAllocateProducerIDs(c.img, req, e); resp.ErrorCode != kerr.UnknownServerError.Code || len(entries) != 0 {
		t.Fatal("exhausted producer ids handed out")
	}
}
