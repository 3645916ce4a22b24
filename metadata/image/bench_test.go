package image

import (
	"fmt"
	"testing"

	"github.com/skiffhq/skiff/metadata/record"
)

// BenchmarkCreateTopic measures applying one topic-create entry (a Topic
// and 3 Partition records) to images that already hold 1k and 100k topics.
// The ns/op of the two should be close: apply cost must not grow with the
// cluster (it is O(log32 n)).
func BenchmarkCreateTopic(b *testing.B) {
	for _, existing := range []int{1000, 100000} {
		b.Run(fmt.Sprintf("existing=%d", existing), func(b *testing.B) {
			img := imageWithTopics(b, existing)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				// Each create applies to the same base image so every
				// iteration sees exactly `existing` topics.
				entry := topicRecords(fmt.Sprintf("bench-%d", i), tid(existing+i+1), 3, 1, 2, 3)
				if _, _, err := img.Apply(img.Offset()+1, 1, entry); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkChangePartition measures one ISR change in a 10,000-partition
// topic, which must not copy the topic.
func BenchmarkChangePartition(b *testing.B) {
	l := newLog(b)
	l.apply(broker(1, 1), broker(2, 1))
	l.apply(topicRecords("big", tid(1), 10000, 1, 2)...)
	img := l.img
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		change := &record.PartitionChange{TopicID: tid(1), PartitionID: int32(i % 10000), Leader: record.NoLeaderChange, ISR: []int32{1, 2}}
		if _, _, err := img.Apply(img.Offset()+1, 1, []record.Record{change}); err != nil {
			b.Fatal(err)
		}
	}
}

func imageWithTopics(b *testing.B, n int) *Image {
	b.Helper()
	bld := NewBuilder("bench")
	if err := bld.Add(broker(1, 1), broker(2, 1), broker(3, 1)); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < n; i++ {
		if err := bld.Add(topicRecords(fmt.Sprintf("topic-%07d", i), tid(i+1), 3, 1, 2, 3)...); err != nil {
			b.Fatal(err)
		}
	}
	return bld.Build(int64(n), 1)
}
