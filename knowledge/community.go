package knowledge

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Community is one tenant: a community of practice in a Slack workspace,
// a Discord server or the console. Platform and ExternalID name its
// workspace; Name is "" for the workspace's default community, which owns
// every channel that is no other community's home (community_homes.go).
type Community struct {
	ID         int64
	Platform   string
	ExternalID string
	Name       string
	// Side is the community of another workspace through which an event
	// came, when that one is linked into this one (community_links.go);
	// nil otherwise.
	Side *Community
}

// DefaultName is how people name a workspace's default community in
// commands (/cop in default …); no other community may take it.
const DefaultName = "default"

// Label is the community's name as people type it.
func (c Community) Label() string {
	if c.Name == "" {
		return DefaultName
	}
	return c.Name
}

// Member is a person (or bot) known in one community.
type Member struct {
	ID             int64
	CommunityID    int64
	PlatformUserID string
	DisplayName    string
	IsBot          bool
	IsAdmin        bool
	IsFacilitator  bool
	// IsGuest: a guest of the workspace, who sees the repository only as
	// the community's guests setting says.
	IsGuest   bool
	FirstSeen time.Time
	JoinedAt  *time.Time
}

// Person is a member as a platform describes them on an event.
type Person struct {
	PlatformUserID string `json:"id"`
	DisplayName    string `json:"name,omitempty"`
	IsBot          bool   `json:"bot,omitempty"`
	IsAdmin        bool   `json:"admin,omitempty"`
	IsGuest        bool   `json:"guest,omitempty"`
	// ProfileUnknown: the platform could not say this time whether they are
	// an admin or a guest (a failed lookup); what copbot knew stands.
	ProfileUnknown bool `json:"profile_unknown,omitempty"`
}

type communityKey struct{ platform, externalID string }

// Community returns the default community of a platform's workspace,
// creating it on first contact.
func (s *Store) Community(ctx context.Context, platform, externalID string) (Community, error) {
	key := communityKey{platform, externalID}
	if id, ok := s.communities.Load(key); ok {
		return Community{ID: id.(int64), Platform: platform, ExternalID: externalID}, nil
	}
	c := Community{Platform: platform, ExternalID: externalID}
	// DO UPDATE (a no-op) rather than DO NOTHING so RETURNING always yields the id.
	err := s.pool.QueryRow(ctx, `
		INSERT INTO communities (platform, external_id) VALUES ($1, $2)
		ON CONFLICT (platform, external_id) WHERE name = '' DO UPDATE SET platform = excluded.platform
		RETURNING id`, platform, externalID).Scan(&c.ID)
	if err != nil {
		return Community{}, fmt.Errorf("upsert community %s:%s: %w", platform, externalID, err)
	}
	s.communities.Store(key, c.ID)
	return c, nil
}

// FindCommunity returns an existing community of a workspace by name ("" or
// DefaultName for the default one), or ErrNotFound.
func (s *Store) FindCommunity(ctx context.Context, platform, externalID, name string) (Community, error) {
	if name == DefaultName {
		name = ""
	}
	c := Community{Platform: platform, ExternalID: externalID}
	err := s.pool.QueryRow(ctx, `SELECT id, name FROM communities WHERE platform = $1 AND external_id = $2 AND lower(name) = lower($3)`,
		platform, externalID, name).Scan(&c.ID, &c.Name)
	if err != nil {
		return Community{}, notFound(err, "find community")
	}
	return c, nil
}

const memberColumns = `m.id, m.community_id, m.platform_user_id, m.display_name, m.is_bot, m.is_admin, m.is_guest,
	m.is_admin OR EXISTS (SELECT 1 FROM facilitators f WHERE f.community_id = m.community_id AND f.member_id = m.id),
	m.first_seen, m.joined_at`

func scanMember(row interface{ Scan(...any) error }) (Member, error) {
	var m Member
	err := row.Scan(&m.ID, &m.CommunityID, &m.PlatformUserID, &m.DisplayName, &m.IsBot, &m.IsAdmin, &m.IsGuest,
		&m.IsFacilitator, &m.FirstSeen, &m.JoinedAt)
	return m, err
}

// SeeMember records that p acted in the community: it creates the member on
// first sight and refreshes what the platform says of them.
func (s *Store) SeeMember(ctx context.Context, communityID int64, p Person) (Member, error) {
	m, err := scanMember(s.pool.QueryRow(ctx, `
		WITH m AS (
			INSERT INTO members (community_id, platform_user_id, display_name, is_bot, is_admin, admin_seen_at, is_guest)
			VALUES ($1, $2, $3, $4, $5 AND NOT $6, CASE WHEN $5 AND NOT $6 THEN copbot_now() END, $7)
			ON CONFLICT (community_id, platform_user_id) DO UPDATE SET
				display_name = COALESCE(NULLIF(excluded.display_name, ''), members.display_name),
				is_bot = excluded.is_bot, last_seen = copbot_now(),
				is_admin = CASE WHEN $6 THEN members.is_admin ELSE excluded.is_admin END,
				is_guest = CASE WHEN $6 THEN members.is_guest ELSE excluded.is_guest END,
				admin_seen_at = CASE WHEN $6 THEN members.admin_seen_at ELSE COALESCE(excluded.admin_seen_at, members.admin_seen_at) END
			RETURNING *
		)
		SELECT `+memberColumns+` FROM m`,
		communityID, p.PlatformUserID, p.DisplayName, p.IsBot, p.IsAdmin, p.ProfileUnknown, p.IsGuest))
	if err != nil {
		return Member{}, fmt.Errorf("upsert member %s: %w", p.PlatformUserID, err)
	}
	return m, nil
}

// ReferMember returns the member a person mentioned by platform id, creating
// them if copbot has not seen them yet. Unlike SeeMember it changes nothing
// about a member it already knows: a mention says nothing of admin rights.
func (s *Store) ReferMember(ctx context.Context, communityID int64, platformUserID, displayName string) (Member, error) {
	return referMember(ctx, s.pool, communityID, platformUserID, displayName)
}

func referMember(ctx context.Context, db querier, communityID int64, platformUserID, displayName string) (Member, error) {
	k := memberKey{communityID, platformUserID}
	found, err := referMembers(ctx, db, map[memberKey]string{k: displayName}, false)
	if err != nil {
		return Member{}, fmt.Errorf("refer to member %s: %w", platformUserID, err)
	}
	m, err := scanMember(db.QueryRow(ctx, `SELECT `+memberColumns+` FROM members m WHERE m.id = $1`, found[k].id))
	if err != nil {
		return Member{}, fmt.Errorf("refer to member %s: %w", platformUserID, err)
	}
	return m, nil
}

// MemberByName finds a member by display name (case-insensitive), for people
// who type @name where the platform sends no id. A name that several
// members share is ErrAmbiguous: copbot never guesses who was meant.
func (s *Store) MemberByName(ctx context.Context, communityID int64, name string) (Member, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT `+memberColumns+` FROM members m
		WHERE m.community_id = $1 AND lower(m.display_name) = lower($2)
		LIMIT 2`, communityID, name)
	if err != nil {
		return Member{}, fmt.Errorf("find member by name: %w", err)
	}
	found, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Member, error) { return scanMember(r) })
	switch {
	case err != nil:
		return Member{}, fmt.Errorf("find member by name: %w", err)
	case len(found) == 0:
		return Member{}, ErrNotFound
	case len(found) > 1:
		return Member{}, ErrAmbiguous
	}
	return found[0], nil
}

// MemberByPlatformID finds a member copbot knows by their platform id.
func (s *Store) MemberByPlatformID(ctx context.Context, communityID int64, platformUserID string) (Member, error) {
	m, err := scanMember(s.pool.QueryRow(ctx, `SELECT `+memberColumns+` FROM members m
		WHERE m.community_id = $1 AND m.platform_user_id = $2`, communityID, platformUserID))
	if err != nil {
		return Member{}, notFound(err, "find member")
	}
	return m, nil
}

// MemberJoined records when a member joined; the first join counts.
func (s *Store) MemberJoined(ctx context.Context, communityID int64, p Person, at time.Time) (Member, error) {
	m, _, err := memberJoined(ctx, s.pool, communityID, p, at)
	return m, err
}

// memberJoined records a join and says whether it was the member's first.
func memberJoined(ctx context.Context, db querier, communityID int64, p Person, at time.Time) (Member, bool, error) {
	var first bool
	var m Member
	err := db.QueryRow(ctx, `
		WITH old AS (
			SELECT joined_at FROM members WHERE community_id = $1 AND platform_user_id = $2
		), m AS (
			INSERT INTO members (community_id, platform_user_id, display_name, is_bot, is_admin, joined_at)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (community_id, platform_user_id) DO UPDATE SET
				display_name = COALESCE(NULLIF(excluded.display_name, ''), members.display_name),
				joined_at = COALESCE(members.joined_at, excluded.joined_at)
			RETURNING *
		)
		SELECT `+memberColumns+`, (SELECT joined_at FROM old) IS NULL FROM m`,
		communityID, p.PlatformUserID, p.DisplayName, p.IsBot, p.IsAdmin, at).Scan(
		&m.ID, &m.CommunityID, &m.PlatformUserID, &m.DisplayName, &m.IsBot, &m.IsAdmin, &m.IsGuest,
		&m.IsFacilitator, &m.FirstSeen, &m.JoinedAt, &first)
	if err != nil {
		return Member{}, false, fmt.Errorf("record join of %s: %w", p.PlatformUserID, err)
	}
	return m, first, nil
}

// CommunityByID reads a community, for jobs that carry only its id.
func (s *Store) CommunityByID(ctx context.Context, id int64) (Community, error) {
	c := Community{ID: id}
	err := s.pool.QueryRow(ctx, `SELECT platform, external_id, name FROM communities WHERE id = $1`, id).Scan(&c.Platform, &c.ExternalID, &c.Name)
	if err != nil {
		return Community{}, notFound(err, "read community")
	}
	return c, nil
}
