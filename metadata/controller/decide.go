package controller

import (
	"math/rand/v2"
	"time"

	"github.com/skiffhq/skiff/metadata/image"
	"github.com/skiffhq/skiff/metadata/quorum"
	"github.com/skiffhq/skiff/metadata/record"
)

// entry is one Raft entry an operation wants written, and how the outcome
// of writing it reaches the operation's response.
type entry struct {
	records  []record.Record
	onError  func(*apiError)            // the entry was not written
	onCommit func(quorum.ProposeResult) // optional: it was
}

// env is what deciding functions may consult besides the image and the
// request: configuration, the time, seeded randomness and broker sessions.
// Everything in it is owned by the event loop.
type env struct {
	cfg  Config
	now  time.Time
	src  *rand.ChaCha8 // random bytes (topic ids)
	rng  *rand.Rand    // random numbers (placement), drawn from src
	live *liveness
}

func newEnv(cfg Config, seed uint64) *env {
	var key [32]byte
	for i := 0; i < 8; i++ {
		key[i] = byte(seed >> (8 * i))
	}
	src := rand.NewChaCha8(key)
	return &env{cfg: cfg, src: src, rng: rand.New(src), live: newLiveness(cfg.SessionTimeout)}
}

// newTopicID returns a random id not used by img or taken.
func (e *env) newTopicID(img *image.Image, taken map[record.UUID]bool) record.UUID {
	for {
		id, err := record.RandomUUID(e.src)
		if err != nil {
			panic("controller: ChaCha8 cannot fail: " + err.Error())
		}
		if _, used := img.TopicByID(id); !used && !taken[id] {
			taken[id] = true
			return id
		}
	}
}

// newPartitionRecords builds Partition records for assignments starting at
// partition first. A new partition's ISR is its replicas that are usable
// now; its leader is the first of those.
func newPartitionRecords(img *image.Image, topicID record.UUID, first int32, assignments [][]int32) []record.Record {
	recs := make([]record.Record, len(assignments))
	for i, replicas := range assignments {
		isr := make([]int32, 0, len(replicas))
		for _, id := range replicas {
			if b, ok := img.Broker(id); ok && !b.Fenced && !b.InControlledShutdown {
				isr = append(isr, id)
			}
		}
		leader := record.NoLeader
		if len(isr) > 0 {
			leader = isr[0]
		}
		recs[i] = &record.Partition{TopicID: topicID, PartitionID: first + int32(i), Replicas: replicas, ISR: isr, Leader: leader}
	}
	return recs
}
