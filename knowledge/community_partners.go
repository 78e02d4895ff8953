package knowledge

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Partner communities agreed, each through a facilitator, to search each
// other's repositories (/cop search … in:partners) and to offer each other
// tips (community_shares.go). Each side adds the other; the partnership
// holds from the second add until either side removes it, which ends it
// for both at once. Communities of any workspace on this database may be
// partners. Nothing of a community is read from another that is not its
// partner now (mutualPartners), and partners see only what an ordinary
// member sees (shownToPartners).

// Where a partnership stands, seen from one side (Partner.State).
const (
	// PartnerMutual: both sides added each other.
	PartnerMutual = "partners"
	// PartnerOffered: this side added the other, which has not yet.
	PartnerOffered = "offered"
	// PartnerAsked: the other side added this one, which has not yet.
	PartnerAsked = "asked"
)

// Partner is another community as a partnership relates it to one.
type Partner struct {
	Community
	State string
	// Since is when the state began: the second add for partners.
	Since time.Time
}

// PartnerChange says what AddPartner or RemovePartner did.
type PartnerChange int

// What adding or removing a partner did.
const (
	// PartnerOfferMade: this side added the other first; the other must add
	// this one too.
	PartnerOfferMade PartnerChange = iota + 1
	// PartnershipBegun: the other side had added this one; they are partners.
	PartnershipBegun
	// PartnerOfferedAlready: this side had added the other already.
	PartnerOfferedAlready
	// PartnersAlready: they were partners already.
	PartnersAlready
	// PartnershipEnded: they were partners and are no longer.
	PartnershipEnded
	// PartnerOfferWithdrawn: this side's offer, not yet answered, is gone.
	PartnerOfferWithdrawn
	// PartnerOfferRefused: the other side's offer is gone.
	PartnerOfferRefused
	// PartnerNone: there was nothing between them to remove.
	PartnerNone
)

// ErrArchived says a community named in a command is archived.
var ErrArchived = errors.New("community archived")

// shownToPartners is the condition on a tip t for a partner to see it:
// what an ordinary member sees (saved and in the repository), from no
// channel the community excluded, nor from a private channel it allowed,
// nor said in a private channel or DM at all (t.private).
const shownToPartners = `t.state = 'saved' AND t.removed_at IS NULL AND NOT t.private
	AND NOT EXISTS (SELECT 1 FROM channel_policies cp WHERE cp.community_id = t.community_id AND cp.channel_id = t.channel_id)`

// NameFrom is how people of here name c in a command: within here's
// workspace its name (DefaultName for the default one); elsewhere its
// command-line form, "slack:T0123/frontend" (bot.CommunityRef's String).
func (c Community) NameFrom(here Community) string {
	if c.Platform == here.Platform && c.ExternalID == here.ExternalID {
		return c.Label()
	}
	s := c.workspace()
	if c.Name != "" {
		s += "/" + c.Name
	}
	return s
}

// CommunityAnywhere finds a community of any workspace copbot knows by its
// workspace and name ("" or DefaultName for the default one), to be named
// as a partner: ErrNotFound when there is none, ErrArchived (with it) when
// it is archived. It creates nothing.
func (s *Store) CommunityAnywhere(ctx context.Context, platform, workspace, name string) (Community, error) {
	if strings.EqualFold(name, DefaultName) {
		name = ""
	}
	c := Community{Platform: platform, ExternalID: workspace}
	var archived bool
	err := s.pool.QueryRow(ctx, `SELECT id, name, archived_at IS NOT NULL FROM communities
		WHERE platform = $1 AND external_id = $2 AND lower(name) = lower($3)`, platform, workspace, name).Scan(&c.ID, &c.Name, &archived)
	if err != nil {
		return Community{}, notFound(err, "find community")
	}
	if archived {
		return c, ErrArchived
	}
	return c, nil
}

// pair is a partnership's row as one side sees it: the row's ids, and the
// prefixes of this side's columns and the other's.
type pair struct {
	a, b         int64
	mine, theirs string
}

func pairOf(me, other int64) pair {
	if me < other {
		return pair{a: me, b: other, mine: "a", theirs: "b"}
	}
	return pair{a: other, b: me, mine: "b", theirs: "a"}
}

// checkPartner refuses what cannot be a partner of by's community.
func (s *Store) checkPartner(ctx context.Context, by Member, other Community) error {
	if other.ID == by.CommunityID {
		return invalidf("That is this community; a community cannot be its own partner.")
	}
	var archived bool
	err := s.pool.QueryRow(ctx, `SELECT archived_at IS NOT NULL FROM communities WHERE id = $1`, other.ID).Scan(&archived)
	if err != nil {
		return notFound(err, "read partner community")
	}
	if archived {
		return ErrArchived
	}
	return nil
}

// AddPartner adds other as a partner of by's community (facilitators): an
// offer until other adds it back, a partnership from then on. Two adds at
// once meet on the pair's row, so that the second sees the first.
func (s *Store) AddPartner(ctx context.Context, by Member, other Community) (PartnerChange, error) {
	if err := mayManagePartners(by); err != nil {
		return 0, err
	}
	if err := s.checkPartner(ctx, by, other); err != nil {
		return 0, err
	}
	p := pairOf(by.CommunityID, other.ID)
	var change PartnerChange
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var theirs bool
		err := tx.QueryRow(ctx, fmt.Sprintf(`
			INSERT INTO partnerships AS p (a_id, b_id, %[1]s_by, %[1]s_at) VALUES ($1, $2, $3, copbot_now())
			ON CONFLICT (a_id, b_id) DO UPDATE SET %[1]s_by = excluded.%[1]s_by, %[1]s_at = excluded.%[1]s_at
				WHERE p.%[1]s_at IS NULL
			RETURNING p.%[2]s_at IS NOT NULL`, p.mine, p.theirs), p.a, p.b, by.ID).Scan(&theirs)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			// This side had added the other already; the row is locked by
			// the conflict, so this reads it as it stands.
			err = tx.QueryRow(ctx, fmt.Sprintf(`SELECT %s_at IS NOT NULL FROM partnerships WHERE a_id = $1 AND b_id = $2`, p.theirs),
				p.a, p.b).Scan(&theirs)
			if err != nil {
				return fmt.Errorf("read partnership: %w", err)
			}
			change = PartnerOfferedAlready
			if theirs {
				change = PartnersAlready
			}
		case err != nil:
			return fmt.Errorf("add partner: %w", err)
		case theirs:
			change = PartnershipBegun
		default:
			change = PartnerOfferMade
		}
		return nil
	})
	return change, err
}

// RemovePartner ends what is between by's community and other
// (facilitators): the partnership, for both sides at once, or an offer
// either side made. Offers of tips between them are left unanswered, and
// may no longer be accepted.
func (s *Store) RemovePartner(ctx context.Context, by Member, other Community) (PartnerChange, error) {
	if err := mayManagePartners(by); err != nil {
		return 0, err
	}
	if other.ID == by.CommunityID {
		return 0, invalidf("That is this community; a community cannot be its own partner.")
	}
	p := pairOf(by.CommunityID, other.ID)
	var mine, theirs bool
	err := s.pool.QueryRow(ctx, fmt.Sprintf(`DELETE FROM partnerships WHERE a_id = $1 AND b_id = $2
		RETURNING %s_at IS NOT NULL, %s_at IS NOT NULL`, p.mine, p.theirs), p.a, p.b).Scan(&mine, &theirs)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return PartnerNone, nil
	case err != nil:
		return 0, fmt.Errorf("remove partner: %w", err)
	case mine && theirs:
		return PartnershipEnded, nil
	case mine:
		return PartnerOfferWithdrawn, nil
	}
	return PartnerOfferRefused, nil
}

// Partners lists what is between by's community and others (facilitators):
// partners, offers it made and offers it received, each group by name.
// Archived communities are left out.
func (s *Store) Partners(ctx context.Context, by Member) ([]Partner, error) {
	if err := mayManagePartners(by); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `
		WITH mine AS (
			SELECT CASE WHEN p.a_id = $1 THEN p.b_id ELSE p.a_id END AS other,
				CASE WHEN p.a_id = $1 THEN p.a_at ELSE p.b_at END AS mine_at,
				CASE WHEN p.a_id = $1 THEN p.b_at ELSE p.a_at END AS theirs_at
			FROM partnerships p WHERE p.a_id = $1 OR p.b_id = $1
		)
		SELECT c.id, c.platform, c.external_id, c.name, s.state, GREATEST(m.mine_at, m.theirs_at)
		FROM mine m JOIN communities c ON c.id = m.other AND c.archived_at IS NULL,
			LATERAL (SELECT CASE WHEN m.mine_at IS NOT NULL AND m.theirs_at IS NOT NULL THEN 'partners'
			                     WHEN m.mine_at IS NOT NULL THEN 'offered' ELSE 'asked' END AS state) s
		ORDER BY array_position(ARRAY['partners', 'offered', 'asked'], s.state), c.platform, c.external_id, lower(c.name)`, by.CommunityID)
	if err != nil {
		return nil, fmt.Errorf("list partners: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Partner, error) {
		var p Partner
		return p, r.Scan(&p.ID, &p.Platform, &p.ExternalID, &p.Name, &p.State, &p.Since)
	})
	if err != nil {
		return nil, fmt.Errorf("list partners: %w", err)
	}
	return out, nil
}

// partnerRepo is a partner's repository as search reads it: the community
// and its search language.
type partnerRepo struct {
	Community
	language string
}

// mutualPartners lists the communities that are partners of communityID
// now (both sides added each other, neither is archived), with their
// search languages. It is the one read that decides whose repository
// another community may see.
func mutualPartners(ctx context.Context, db querier, communityID int64) ([]partnerRepo, error) {
	rows, err := db.Query(ctx, `
		SELECT c.id, c.platform, c.external_id, c.name,
			COALESCE((SELECT cs.value FROM community_settings cs WHERE cs.community_id = c.id AND cs.key = 'language'), '`+SearchLanguage+`')
		FROM partnerships p
		JOIN communities c ON c.id = CASE WHEN p.a_id = $1 THEN p.b_id ELSE p.a_id END AND c.archived_at IS NULL
		WHERE (p.a_id = $1 OR p.b_id = $1) AND p.a_at IS NOT NULL AND p.b_at IS NOT NULL
		ORDER BY c.platform, c.external_id, lower(c.name)`, communityID)
	if err != nil {
		return nil, fmt.Errorf("read partners: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (partnerRepo, error) {
		var p partnerRepo
		return p, r.Scan(&p.ID, &p.Platform, &p.ExternalID, &p.Name, &p.language)
	})
	if err != nil {
		return nil, fmt.Errorf("read partners: %w", err)
	}
	return out, nil
}

// ErrNotPartner says a community named as a partner is not one now.
var ErrNotPartner = errors.New("not a partner")

// lockPartnership holds the partnership of two communities for the rest of
// tx (a removal waits for tx), or returns ErrNotPartner when they are not
// partners now.
func lockPartnership(ctx context.Context, tx pgx.Tx, me, other int64) error {
	p := pairOf(me, other)
	var mutual bool
	err := tx.QueryRow(ctx, `
		SELECT p.a_at IS NOT NULL AND p.b_at IS NOT NULL AND c.archived_at IS NULL AND h.archived_at IS NULL
		FROM partnerships p JOIN communities c ON c.id = $3 JOIN communities h ON h.id = $4
		WHERE p.a_id = $1 AND p.b_id = $2
		FOR SHARE OF p`, p.a, p.b, other, me).Scan(&mutual)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && !mutual {
		return ErrNotPartner
	}
	if err != nil {
		return fmt.Errorf("read partnership: %w", err)
	}
	return nil
}
