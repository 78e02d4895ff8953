package knowledge

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

// A member offers a tip to a partner community (/cop share <tip>
// <community>); the partner's facilitators are told, and accept it into
// their repository, where it becomes a tip of their own that says where it
// came from, or decline it. Offers are numbered in the community they are
// made to, which is the one that answers them.

// The states of an offer (ShareOffer.State).
const (
	OfferOpen     = "open"
	OfferAccepted = "accepted"
	OfferDeclined = "declined"
)

// ShareOffer is a tip one community offered a partner.
type ShareOffer struct {
	// Number is the offer's number in To, the community it was made to.
	Number int
	To     Community
	From   Community
	// Tip is the tip offered, in From.
	Tip       Tip
	OfferedBy string
	OfferedAt time.Time
	State     string
	// SharedAs is the number of the tip accepting it made in To.
	SharedAs int
}

// ShareOfferArgs is the job that tells the facilitators of the community
// an offer was made to.
type ShareOfferArgs struct {
	// CommunityID is the community the offer came from: a console line
	// that makes an offer waits for its notice (Unsettled).
	CommunityID int64 `json:"community_id"`
	To          int64 `json:"to"`
	Number      int   `json:"number"`
}

// Kind names the job for river.
func (ShareOfferArgs) Kind() string { return "share_offer" }

// InsertOpts retries a failed delivery a few times.
func (ShareOfferArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 4} }

// offerQuery selects offers with their tips: tipColumns first, then
// offerFields (scanOffer).
const offerQuery = `SELECT ` + tipColumns + `,
		o.number, o.state, o.offered_at, COALESCE(st.number, 0),
		tc.id, tc.platform, tc.external_id, tc.name, fc.id, fc.platform, fc.external_id, fc.name,
		COALESCE(NULLIF(m.display_name, ''), m.platform_user_id)
	FROM share_offers o
	JOIN communities tc ON tc.id = o.community_id
	JOIN communities fc ON fc.id = o.from_community_id
	JOIN members m ON m.community_id = o.from_community_id AND m.id = o.offered_by
	JOIN tips t ON t.community_id = o.from_community_id AND t.id = o.tip_id
	LEFT JOIN tips st ON st.community_id = o.community_id AND st.id = o.shared_tip_id`

// moreColumns scans a row's columns after a tip's (scanTip) into extra.
type moreColumns struct {
	row   pgx.Row
	extra []any
}

func (m moreColumns) Scan(dest ...any) error { return m.row.Scan(append(dest, m.extra...)...) }

func scanOffer(row pgx.Row) (ShareOffer, error) {
	var o ShareOffer
	tip, err := scanTip(moreColumns{row, []any{&o.Number, &o.State, &o.OfferedAt, &o.SharedAs,
		&o.To.ID, &o.To.Platform, &o.To.ExternalID, &o.To.Name, &o.From.ID, &o.From.Platform, &o.From.ExternalID, &o.From.Name,
		&o.OfferedBy}})
	o.Tip = tip
	return o, err
}

func collectOffers(rows pgx.Rows, err error) ([]ShareOffer, error) {
	if err != nil {
		return nil, fmt.Errorf("list offers: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ShareOffer, error) { return scanOffer(r) })
	if err != nil {
		return nil, fmt.Errorf("list offers: %w", err)
	}
	return out, nil
}

// OfferTip offers the tip numbered number in by's community to a partner
// community. by must be able to read it (mayShare); it must be in the
// repository and shown to partners (from no excluded or private channel),
// and to a partner now. A tip is offered to a community once: offering it
// again returns the first offer and false. The offer and the job that
// tells the partner's facilitators are written together.
func (s *Store) OfferTip(ctx context.Context, by Reader, number int, to Community) (ShareOffer, bool, error) {
	if _, err := mayRead(ctx, s.pool, by); err != nil {
		return ShareOffer{}, false, err
	}
	if to.ID == by.CommunityID {
		return ShareOffer{}, false, invalidf("The tip is in this community already; name a partner community to offer it to.")
	}
	var offer ShareOffer
	var made bool
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		made = false
		if err := lockPartnership(ctx, tx, by.CommunityID, to.ID); err != nil {
			return err
		}
		// The tip's row is held until the offer is written, so that one
		// tip offered twice at once makes one offer.
		tip, err := scanTip(tx.QueryRow(ctx, `SELECT `+tipColumns+` FROM tips t
			WHERE t.community_id = $1 AND t.number = $2 AND t.state = 'saved' AND t.removed_at IS NULL
			FOR NO KEY UPDATE`, by.CommunityID, number))
		if err != nil {
			return notFound(err, "read tip")
		}
		if err := mayShare(ctx, tx, by, tip); err != nil {
			return err
		}
		var shown bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM tips t WHERE t.community_id = $1 AND t.id = $2 AND `+shownToPartners+`)`,
			tip.CommunityID, tip.ID).Scan(&shown); err != nil {
			return fmt.Errorf("read tip: %w", err)
		}
		if !shown {
			return invalidf("Tip %d comes from a channel this community keeps to itself (a private channel, or one excluded from "+
				"capture), so it is not shared with partners.", number)
		}
		var n int
		err = tx.QueryRow(ctx, `SELECT number FROM share_offers WHERE community_id = $1 AND from_community_id = $2 AND tip_id = $3`,
			to.ID, by.CommunityID, tip.ID).Scan(&n)
		switch {
		case err == nil:
			offer, err = offerByNumber(ctx, tx, to.ID, n)
			return err
		case !errors.Is(err, pgx.ErrNoRows):
			return fmt.Errorf("read offer: %w", err)
		}
		err = tx.QueryRow(ctx, `
			INSERT INTO share_offer_counters (community_id, last_number) VALUES ($1, 1)
			ON CONFLICT (community_id) DO UPDATE SET last_number = share_offer_counters.last_number + 1
			RETURNING last_number`, to.ID).Scan(&n)
		if err != nil {
			return fmt.Errorf("number offer: %w", err)
		}
		_, err = tx.Exec(ctx, `INSERT INTO share_offers (community_id, number, from_community_id, tip_id, offered_by)
			VALUES ($1, $2, $3, $4, $5)`, to.ID, n, by.CommunityID, tip.ID, by.ID)
		if err != nil {
			return fmt.Errorf("insert offer: %w", err)
		}
		opts, err := s.noticeOpts(ctx, tx, to.ID, nil)
		if err != nil {
			return err
		}
		if _, err := s.jobs.InsertTx(ctx, tx, ShareOfferArgs{CommunityID: by.CommunityID, To: to.ID, Number: n}, opts); err != nil {
			return fmt.Errorf("queue offer notice: %w", err)
		}
		made = true
		offer, err = offerByNumber(ctx, tx, to.ID, n)
		return err
	})
	return offer, made, err
}

func offerByNumber(ctx context.Context, db querier, communityID int64, number int) (ShareOffer, error) {
	o, err := scanOffer(db.QueryRow(ctx, offerQuery+` WHERE o.community_id = $1 AND o.number = $2`, communityID, number))
	if err != nil {
		return ShareOffer{}, notFound(err, "read offer")
	}
	return o, nil
}

// OffersReceived lists the offers waiting for an answer in by's community
// (facilitators), oldest first: those of partners now, of tips still
// shown to partners. The rest cannot be accepted.
func (s *Store) OffersReceived(ctx context.Context, by Member) ([]ShareOffer, error) {
	if err := mayAnswerOffers(by); err != nil {
		return nil, err
	}
	partners, err := mutualPartners(ctx, s.pool, by.CommunityID)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(partners))
	for i, p := range partners {
		ids[i] = p.ID
	}
	rows, err := s.pool.Query(ctx, offerQuery+`
		WHERE o.community_id = $1 AND o.state = 'open' AND o.from_community_id = ANY($2) AND `+shownToPartners+`
		ORDER BY o.number LIMIT 50`, by.CommunityID, ids)
	return collectOffers(rows, err)
}

// OffersMade lists the latest offers by's community made, newest first:
// a facilitator's sees all of them, any other member's their own.
func (s *Store) OffersMade(ctx context.Context, by Member) ([]ShareOffer, error) {
	rows, err := s.pool.Query(ctx, offerQuery+`
		WHERE o.from_community_id = $1 AND ($2 OR o.offered_by = $3)
		ORDER BY o.offered_at DESC, o.number DESC LIMIT 20`, by.CommunityID, by.IsFacilitator, by.ID)
	return collectOffers(rows, err)
}

// AcceptOffer accepts an open offer made to by's community (facilitators):
// the tip becomes a tip of this repository, numbered here, with the
// original's text, tags, author and permalink, and a last line that says
// where it came from. The offer's row is held meanwhile, so an offer
// accepted twice at once makes one tip; the second is told it was
// accepted. Nothing is written when the partnership ended or the tip left
// the partner's repository since the offer.
func (s *Store) AcceptOffer(ctx context.Context, by Member, number int) (ShareOffer, Tip, error) {
	if err := mayAnswerOffers(by); err != nil {
		return ShareOffer{}, Tip{}, err
	}
	var offer ShareOffer
	var tip Tip
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		o, err := openOffer(ctx, tx, by, number)
		if err != nil {
			return err
		}
		var shown bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM tips t WHERE t.community_id = $1 AND t.id = $2 AND `+shownToPartners+`)`,
			o.From.ID, o.Tip.ID).Scan(&shown); err != nil {
			return fmt.Errorf("read offered tip: %w", err)
		}
		if !shown {
			return invalidf("%s took that tip out of its repository since it offered it, so there is nothing to accept; "+
				"`/cop share decline %d` clears the offer.", o.From.NameFrom(o.To), number)
		}
		n, err := nextTipNumber(ctx, tx, by.CommunityID)
		if err != nil {
			return err
		}
		text := fmt.Sprintf("%s\n\nShared from %s #%d", o.Tip.Text, o.From.NameFrom(o.To), o.Tip.Number)
		tip, err = scanTip(tx.QueryRow(ctx, `
			INSERT INTO tips AS t (community_id, number, state, text, tags, author_name, saved_by, permalink, saved_at, lang)
			VALUES ($1, $2, 'saved', $3, $4, $5, $6, $7, copbot_now(), `+languageOf("$1")+`)
			RETURNING `+tipColumns,
			by.CommunityID, n, text, o.Tip.Tags, o.Tip.AuthorName, by.ID, o.Tip.Permalink))
		if err != nil {
			return fmt.Errorf("insert shared tip: %w", err)
		}
		if err := grantTags(ctx, tx, by.CommunityID, tip.ID, by.ID, tip.Tags); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE share_offers SET state = 'accepted', answered_by = $3, answered_at = copbot_now(), shared_tip_id = $4
			WHERE community_id = $1 AND number = $2`, by.CommunityID, number, by.ID, tip.ID)
		if err != nil {
			return fmt.Errorf("accept offer: %w", err)
		}
		o.State, o.SharedAs = OfferAccepted, tip.Number
		offer = o
		return nil
	})
	return offer, tip, err
}

// DeclineOffer declines an open offer made to by's community
// (facilitators).
func (s *Store) DeclineOffer(ctx context.Context, by Member, number int) (ShareOffer, error) {
	if err := mayAnswerOffers(by); err != nil {
		return ShareOffer{}, err
	}
	var offer ShareOffer
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		o, err := lockedOffer(ctx, tx, by, number)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE share_offers SET state = 'declined', answered_by = $3, answered_at = copbot_now()
			WHERE community_id = $1 AND number = $2`, by.CommunityID, number, by.ID)
		if err != nil {
			return fmt.Errorf("decline offer: %w", err)
		}
		o.State = OfferDeclined
		offer = o
		return nil
	})
	return offer, err
}

// lockedOffer reads an offer made to by's community and holds it for the
// rest of tx, refusing one that was answered already.
func lockedOffer(ctx context.Context, tx pgx.Tx, by Member, number int) (ShareOffer, error) {
	// The row is locked first, then read with its joins: a second answer
	// waiting on the lock reads the first one's outcome.
	var state string
	err := tx.QueryRow(ctx, `SELECT state FROM share_offers WHERE community_id = $1 AND number = $2 FOR UPDATE`,
		by.CommunityID, number).Scan(&state)
	if errors.Is(err, pgx.ErrNoRows) {
		return ShareOffer{}, invalidf("There is no offer %d here; `/cop share` lists the offers waiting for an answer.", number)
	}
	if err != nil {
		return ShareOffer{}, fmt.Errorf("lock offer: %w", err)
	}
	o, err := offerByNumber(ctx, tx, by.CommunityID, number)
	if err != nil {
		return ShareOffer{}, err
	}
	switch o.State {
	case OfferAccepted:
		return o, invalidf("Offer %d was accepted already: it is tip %d here.", number, o.SharedAs)
	case OfferDeclined:
		return o, invalidf("Offer %d was declined already.", number)
	}
	return o, nil
}

// openOffer is lockedOffer for an offer that may still be accepted: its
// community must be a partner now (held until tx ends).
func openOffer(ctx context.Context, tx pgx.Tx, by Member, number int) (ShareOffer, error) {
	o, err := lockedOffer(ctx, tx, by, number)
	if err != nil {
		return o, err
	}
	if err := lockPartnership(ctx, tx, by.CommunityID, o.From.ID); errors.Is(err, ErrNotPartner) {
		return o, invalidf("%s is no longer a partner of this community, so its offer cannot be accepted; "+
			"`/cop share decline %d` clears it.", o.From.NameFrom(o.To), number)
	} else if err != nil {
		return o, err
	}
	return o, nil
}

// ShareOfferNotice returns an offer for its notice, with the facilitators
// of the community it was made to, who are told; ErrNotFound when the
// offer is gone.
func (s *Store) ShareOfferNotice(ctx context.Context, a ShareOfferArgs) (ShareOffer, []Member, error) {
	o, err := offerByNumber(ctx, s.pool, a.To, a.Number)
	if err != nil {
		return ShareOffer{}, nil, err
	}
	to, err := s.Facilitators(ctx, a.To)
	return o, to, err
}

// ClaimShareNotice claims the notice of an offer to one of its community's
// facilitators (userID) before it is sent: false when it was delivered,
// or the offer was answered meanwhile; a *HeldError while another run's
// claim holds (NoticeLease).
func (s *Store) ClaimShareNotice(ctx context.Context, communityID int64, number int, userID string) (bool, error) {
	tag, err := s.pool.Exec(ctx, `
		INSERT INTO share_offer_notices AS n (community_id, number, user_id, claimed_at)
		SELECT community_id, number, $3, $4 FROM share_offers WHERE community_id = $1 AND number = $2 AND state = 'open'
		ON CONFLICT (community_id, number, user_id) DO UPDATE SET claimed_at = excluded.claimed_at
			WHERE NOT n.delivered AND n.claimed_at < $5`, communityID, number, userID, s.now(), s.leaseStart())
	if err != nil {
		return false, fmt.Errorf("claim offer notice: %w", err)
	}
	if tag.RowsAffected() == 1 {
		return true, nil
	}
	return false, heldOrDone(ctx, s.pool, s.now(), `SELECT claimed_at, delivered FROM share_offer_notices
		WHERE community_id = $1 AND number = $2 AND user_id = $3`, communityID, number, userID)
}

// ShareNoticeDelivered ends the claim of an offer's notice: it was sent.
func (s *Store) ShareNoticeDelivered(ctx context.Context, communityID int64, number int, userID string) error {
	return markDelivered(ctx, s.pool, "offer notice", `UPDATE share_offer_notices SET delivered = true
		WHERE community_id = $1 AND number = $2 AND user_id = $3`, communityID, number, userID)
}

// ReleaseShareNotice undoes a claim whose notice could not be sent, so
// that the job's retry sends it.
func (s *Store) ReleaseShareNotice(ctx context.Context, communityID int64, number int, userID string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM share_offer_notices WHERE community_id = $1 AND number = $2 AND user_id = $3`,
		communityID, number, userID)
	if err != nil {
		return fmt.Errorf("release offer notice: %w", err)
	}
	return nil
}
