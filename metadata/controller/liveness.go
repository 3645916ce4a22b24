package controller

import (
	"time"

	"github.com/skiffhq/skiff/metadata/image"
	"github.com/skiffhq/skiff/metadata/record"
)

// liveness is the active controller's memory of broker sessions (Kafka's
// BrokerHeartbeatManager). It is not in the log: a new controller starts
// every registered broker with a fresh session from the moment it became
// active, so a failover never fences a healthy broker.
type liveness struct {
	timeout     time.Duration
	activeSince time.Time
	lastSeen    map[int32]time.Time
	// registeredAt is the offset of each broker's registration entry, as
	// far as this controller knows; a broker is caught up once its
	// metadata offset reaches it.
	registeredAt map[int32]int64
	// activeOffset is the image offset when this controller became
	// active: the conservative catch-up point for brokers registered under
	// an earlier controller.
	activeOffset int64
}

func newLiveness(timeout time.Duration) *liveness {
	return &liveness{timeout: timeout, lastSeen: map[int32]time.Time{}, registeredAt: map[int32]int64{}}
}

// reset forgets all sessions: this controller just became active at now,
// with the image at offset.
func (l *liveness) reset(now time.Time, offset int64) {
	l.activeSince, l.activeOffset = now, offset
	clear(l.lastSeen)
	clear(l.registeredAt)
}

// touch records a heartbeat (or registration) from broker id at now.
func (l *liveness) touch(id int32, now time.Time) { l.lastSeen[id] = now }

// registered records the offset of broker id's registration entry.
func (l *liveness) registered(id int32, offset int64) { l.registeredAt[id] = offset }

// sessionValid reports whether broker id has heartbeated within the
// session timeout (counting this controller's activation as a heartbeat).
func (l *liveness) sessionValid(id int32, now time.Time) bool {
	return now.Sub(l.lastContact(id)) < l.timeout
}

func (l *liveness) lastContact(id int32) time.Time {
	if t, ok := l.lastSeen[id]; ok {
		return t
	}
	return l.activeSince
}

// caughtUp reports whether a broker at metadataOffset has applied its own
// registration.
func (l *liveness) caughtUp(id int32, metadataOffset int64) bool {
	target, ok := l.registeredAt[id]
	if !ok {
		target = l.activeOffset
	}
	return metadataOffset >= target
}

// staleBrokers returns the unfenced brokers in img whose session expired
// by now, in id order. Pure: the decision depends only on its inputs.
func (l *liveness) staleBrokers(img *image.Image, now time.Time) []*image.Broker {
	var out []*image.Broker
	for b := range img.Brokers() {
		if !b.Fenced && !l.sessionValid(b.ID, now) {
			out = append(out, b)
		}
	}
	return out
}

// fenceRecord fences exactly the registration the decision was made on.
func fenceRecord(b *image.Broker) *record.BrokerRegistrationChange {
	return &record.BrokerRegistrationChange{BrokerID: b.ID, BrokerEpoch: b.Epoch, Fenced: record.Fence}
}
