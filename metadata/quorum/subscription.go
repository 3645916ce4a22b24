package quorum

import (
	"sync"

	"github.com/skiffhq/skiff/metadata/image"
)

// Subscription delivers every applied entry's *image.Delta in commit
// order on C. The first delta is from the empty image to the image current
// when Subscribe was called. The queue behind C is unbounded, so the FSM
// never waits for a subscriber; a subscriber that never reads only costs
// memory. C is closed after Close or when the quorum closes.
type Subscription struct {
	// C yields the deltas. Receive until it is closed.
	C <-chan *image.Delta

	out    chan *image.Delta
	wake   chan struct{} // capacity 1: "the queue is not empty"
	stop   chan struct{}
	done   chan struct{}
	owner  *fsm
	closer sync.Once

	mu    sync.Mutex
	queue []*image.Delta
}

func newSubscription(owner *fsm, first *image.Delta) *Subscription {
	out := make(chan *image.Delta)
	s := &Subscription{
		C:     out,
		out:   out,
		wake:  make(chan struct{}, 1),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
		owner: owner,
		queue: []*image.Delta{first},
	}
	s.wake <- struct{}{}
	return s
}

// push queues d; called by the FSM with its publish lock held, so deltas
// enter every queue in commit order.
func (s *Subscription) push(d *image.Delta) {
	s.mu.Lock()
	s.queue = append(s.queue, d)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run moves queued deltas to C until stopped. One goroutine per
// subscription, owned by the quorum's WaitGroup.
func (s *Subscription) run() {
	defer close(s.done)
	defer close(s.out)
	for {
		select {
		case <-s.wake:
		case <-s.stop:
			return
		}
		for _, d := range s.take() {
			select {
			case s.out <- d:
			case <-s.stop:
				return
			}
		}
	}
}

func (s *Subscription) take() []*image.Delta {
	s.mu.Lock()
	defer s.mu.Unlock()
	batch := s.queue
	s.queue = nil
	return batch
}

// Close stops delivery and closes C. Deltas not yet received are dropped.
// Safe to call more than once and concurrently with the quorum's Close.
func (s *Subscription) Close() {
	s.closer.Do(func() {
		s.owner.unsubscribe(s)
		close(s.stop)
	})
	<-s.done
}
