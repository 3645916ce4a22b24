package replication

// A Waiter is woken when any partition it watches changes: records
// appended, the high watermark moved, leadership changed, or the partition
// stopped. One Waiter can watch many partitions, so a fetch long poll over a
// thousand partitions waits on one channel instead of a thousand. Wakeups
// coalesce: the channel holds at most one, and the waiter re-reads the
// partitions' state after each.
type Waiter struct {
	ch chan struct{}
}

// NewWaiter returns a Waiter that has not been woken.
func NewWaiter() *Waiter { return &Waiter{ch: make(chan struct{}, 1)} }

// C is readable after a watched partition changed.
func (w *Waiter) C() <-chan struct{} { return w.ch }

func (w *Waiter) wake() {
	select {
	case w.ch <- struct{}{}:
	default:
	}
}

// Watch registers w for changes of p. Register before reading p's state, so
// a change between the read and the wait is not missed.
func (p *Partition) Watch(w *Waiter) {
	p.mu.Lock()
	p.mu.watchers[w] = struct{}{}
	stopped := p.mu.stopped
	p.mu.Unlock()
	if stopped {
		w.wake()
	}
}

// Unwatch removes w; it must be called once the waiter is done.
func (p *Partition) Unwatch(w *Waiter) {
	p.mu.Lock()
	delete(p.mu.watchers, w)
	p.mu.Unlock()
}

func (p *Partition) notify() {
	p.mu.Lock()
	for w := range p.mu.watchers {
		w.wake()
	}
	p.mu.Unlock()
}
