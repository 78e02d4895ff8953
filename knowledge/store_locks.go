package knowledge

// Every PostgreSQL advisory lock copbot takes is keyed here, so that no two
// uses share a key. Each key is "copbot" in ASCII (0x636f70626f74, which
// migrations.Up holds alone while it migrates) followed by one byte.
const (
	// drainLockKey serialises inbox passes across copbot processes: events
	// of one message must apply in the order they arrived (an added then
	// removed reaction), and one pass at a time is fast enough for every
	// community.
	drainLockKey = int64(0x636f70626f7401)
	// storyPlanLock serialises story planners, so that two never ask one
	// member about two subjects at once.
	storyPlanLock = int64(0x636f70626f7402)
)
