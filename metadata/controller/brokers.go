package controller

import (
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/skiffhq/skiff/metadata/image"
	"github.com/skiffhq/skiff/metadata/quorum"
	"github.com/skiffhq/skiff/metadata/record"
)

// BrokerRegistration (key 62), v0-v4, and BrokerHeartbeat (key 63), v0-v1.
//
// Registration writes a RegisterBroker record with a new broker epoch
// (above the image offset, so epochs only grow) and the broker fenced. A
// different incarnation of a broker whose session is still live is
// refused with DUPLICATE_BROKER_REGISTRATION unless it names the live
// registration's epoch as PreviousBrokerEpoch (v3+, a clean restart).
//
// A heartbeat at the current epoch refreshes the broker's session. A
// fenced broker that has caught up to its own registration (and does not
// want to stay fenced) is unfenced; a broker that asks to be fenced is. A
// broker that wants to shut down is fenced and told to shut down at once:
// moving its partition leaderships first (controlled shutdown) comes with
// leader election. Features, log dirs and migrating-ZK brokers are ignored.

func decideBrokerRegistration(img *image.Image, req *kmsg.BrokerRegistrationRequest, e *env) (*kmsg.BrokerRegistrationResponse, []entry) {
	resp := kmsg.NewPtrBrokerRegistrationResponse()
	resp.Version = req.Version
	if err := checkRegistration(img, req, e); err != nil {
		resp.ErrorCode = err.code()
		return resp, nil
	}
	epoch := img.Offset() + 1
	if old, ok := img.Broker(req.BrokerID); ok && old.Epoch >= epoch {
		epoch = old.Epoch + 1
	}
	rec := &record.RegisterBroker{
		BrokerID:      req.BrokerID,
		IncarnationID: req.IncarnationID,
		BrokerEpoch:   epoch,
		Fenced:        true,
	}
	if req.Rack != nil {
		rec.Rack = *req.Rack
	}
	for _, l := range req.Listeners {
		rec.Endpoints = append(rec.Endpoints, record.Endpoint{Name: l.Name, Host: l.Host, Port: l.Port, SecurityProtocol: l.SecurityProtocol})
	}
	resp.BrokerEpoch = epoch
	id, now := req.BrokerID, e.now
	return resp, []entry{{
		records: []record.Record{rec},
		onError: func(err *apiError) { resp.ErrorCode, resp.BrokerEpoch = err.code(), -1 },
		onCommit: func(res quorum.ProposeResult) {
			e.live.registered(id, res.Index)
			e.live.touch(id, now)
		},
	}}
}

func checkRegistration(img *image.Image, req *kmsg.BrokerRegistrationRequest, e *env) *apiError {
	if req.ClusterID != img.ClusterID() {
		return errorf(kerr.InconsistentClusterID, "Expected cluster ID %s, but got cluster ID %s", img.ClusterID(), req.ClusterID)
	}
	if req.BrokerID < 0 {
		return errorf(kerr.InvalidRegistration, "Broker id %d is negative.", req.BrokerID)
	}
	var names []string
	for _, l := range req.Listeners {
		if l.Name == "" || slices.Contains(names, l.Name) {
			return errorf(kerr.InvalidRegistration, "Listener name %q is empty or repeated.", l.Name)
		}
		names = append(names, l.Name)
	}
	old, ok := img.Broker(req.BrokerID)
	if !ok || old.IncarnationID == req.IncarnationID || !e.live.sessionValid(req.BrokerID, e.now) {
		return nil
	}
	if req.Version >= 3 && req.PreviousBrokerEpoch == old.Epoch {
		return nil
	}
	return errorf(kerr.DuplicateBrokerRegistration, "Another broker is registered with that broker id.")
}

// decideBrokerHeartbeat refreshes the session and decides any fencing
// change the heartbeat asks for or earns.
func decideBrokerHeartbeat(img *image.Image, req *kmsg.BrokerHeartbeatRequest, e *env) (*kmsg.BrokerHeartbeatResponse, []entry) {
	resp := kmsg.NewPtrBrokerHeartbeatResponse()
	resp.Version = req.Version
	if err := checkBrokerEpoch(img, req.BrokerID, req.BrokerEpoch); err != nil {
		resp.ErrorCode = err.code()
		return resp, nil
	}
	b, _ := img.Broker(req.BrokerID)
	e.live.touch(b.ID, e.now)
	caughtUp := e.live.caughtUp(b.ID, req.CurrentMetadataOffset)
	change := &record.BrokerRegistrationChange{BrokerID: b.ID, BrokerEpoch: b.Epoch}
	fenced := b.Fenced
	switch {
	case req.WantShutdown:
		resp.ShouldShutdown = true
		fenced = true
		if !b.Fenced {
			change.Fenced = record.Fence
		}
		if !b.InControlledShutdown {
			change.InControlledShutdown = record.EnterControlledShutdown
		}
	case req.WantFence && !b.Fenced:
		change.Fenced, fenced = record.Fence, true
	case !req.WantFence && b.Fenced && caughtUp && !b.InControlledShutdown:
		change.Fenced, fenced = record.Unfence, false
	}
	resp.IsCaughtUp, resp.IsFenced = caughtUp, fenced
	if change.Fenced == record.FenceUnchanged && change.InControlledShutdown == record.ShutdownUnchanged {
		return resp, nil
	}
	return resp, []entry{{
		records: []record.Record{change},
		onError: func(err *apiError) {
			resp.ErrorCode = err.code()
			resp.IsFenced = b.Fenced
		},
	}}
}

// decideFencing fences every broker whose session expired, one entry each.
func decideFencing(img *image.Image, e *env) []entry {
	var entries []entry
	for _, b := range e.live.staleBrokers(img, e.now) {
		entries = append(entries, entry{records: []record.Record{fenceRecord(b)}, onError: func(*apiError) {}})
	}
	return entries
}
