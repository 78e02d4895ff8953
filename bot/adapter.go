package bot

import "context"

// Handler is the core, as adapters see it. HandleEvent returns the replies
// to deliver to the event's user or channel. An error means the event was not
// recorded and the platform should deliver it again (an adapter answers 5xx
// where the platform retries); problems the user should hear about come back
// as replies, not errors.
type Handler interface {
	HandleEvent(ctx context.Context, ev *Event) ([]Reply, error)
}

// HandlerFunc lets an ordinary function serve as a Handler.
type HandlerFunc func(ctx context.Context, ev *Event) ([]Reply, error)

// HandleEvent calls f.
func (f HandlerFunc) HandleEvent(ctx context.Context, ev *Event) ([]Reply, error) {
	return f(ctx, ev)
}

// Adapter connects one platform to a Handler until ctx ends.
type Adapter interface {
	// Name is the platform name, for logs.
	Name() string
	Run(ctx context.Context, h Handler) error
}
