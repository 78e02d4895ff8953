package commands

import (
	"bytes"
	"fmt"
	"image/color"
	"time"
	"unicode/utf8"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/copbot/copbot/bot"
	"github.com/copbot/copbot/knowledge"
)

// The chart's size in pixels: small enough for a chat message.
const (
	chartWidth  = 480
	chartHeight = 300
	chartDPI    = 96
)

var (
	colorProgress   = color.RGBA{R: 0x1f, G: 0x6f, B: 0xb4, A: 0xff}
	colorTarget     = color.RGBA{R: 0x2e, G: 0x8b, B: 0x57, A: 0xff}
	colorProjection = color.RGBA{R: 0xe0, G: 0x7b, B: 0x00, A: 0xff}
	colorSteady     = color.Gray{Y: 0xb0}
)

// burnUpChart draws an objective as a PNG burn-up chart: the value over
// time as steps with a dot per entry, the target as a line, the steady
// pace that would just reach it, and the linear projection of the pace so
// far to the due date.
func burnUpChart(p knowledge.Progress) (bot.File, error) {
	o := p.Objective
	start, end := p.Start, p.Deadline
	if p.AsOf.After(end) {
		end = p.AsOf
	}
	x := func(t time.Time) float64 { return float64(t.Unix()) }

	pl := plot.New()
	pl.Title.Text = shorten(fmt.Sprintf("Objective %d: %s", o.Number, o.Title), 60)
	pl.Title.TextStyle.Font.Size = vg.Points(10)
	pl.Y.Label.Text = shorten(o.Unit, 30)
	// A projection that overshoots stops where it meets the target.
	projEnd := plotter.XY{X: x(p.Deadline), Y: p.Projected}
	if p.Projected > o.Target && !p.ETA.IsZero() {
		projEnd = plotter.XY{X: x(p.ETA), Y: o.Target}
	}
	// Room above the target for the legend.
	pl.Y.Min, pl.Y.Max = 0, max(o.Target, p.Value, projEnd.Y)*1.3
	pl.X.Min, pl.X.Max = x(start), x(end)
	layout := "2006-01-02"
	if end.Sub(start) > 2*365*24*time.Hour {
		layout = "2006"
	}
	pl.X.Tick.Marker = plot.TimeTicks{Format: layout, Time: func(v float64) time.Time {
		return time.Unix(int64(v), 0).In(p.Location)
	}}
	for _, a := range []*plot.Axis{&pl.X, &pl.Y} {
		a.Tick.Label.Font.Size = vg.Points(7)
		a.Label.TextStyle.Font.Size = vg.Points(8)
	}
	pl.Add(plotter.NewGrid())

	target, err := plotter.NewLine(plotter.XYs{{X: x(start), Y: o.Target}, {X: x(end), Y: o.Target}})
	if err != nil {
		return bot.File{}, fmt.Errorf("chart target: %w", err)
	}
	target.Color, target.Dashes = colorTarget, []vg.Length{vg.Points(4), vg.Points(2)}
	steady, err := plotter.NewLine(plotter.XYs{{X: x(start), Y: 0}, {X: x(p.Deadline), Y: o.Target}})
	if err != nil {
		return bot.File{}, fmt.Errorf("chart steady pace: %w", err)
	}
	steady.Color = colorSteady

	// The value holds between entries, so it is drawn as steps.
	steps := plotter.XYs{{X: x(start), Y: 0}}
	dots := plotter.XYs{}
	for _, e := range p.Entries {
		steps = append(steps, plotter.XY{X: x(e.At), Y: e.Value})
		dots = append(dots, plotter.XY{X: x(e.At), Y: e.Value})
	}
	steps = append(steps, plotter.XY{X: x(p.AsOf), Y: p.Value})
	progress, err := plotter.NewLine(steps)
	if err != nil {
		return bot.File{}, fmt.Errorf("chart progress: %w", err)
	}
	progress.Color, progress.Width, progress.StepStyle = colorProgress, vg.Points(2), plotter.PostStep
	pl.Add(steady, target, progress)
	pl.Legend.Add("target", target)
	pl.Legend.Add("steady pace", steady)
	pl.Legend.Add("check-ins", progress)
	if len(dots) > 0 {
		sc, err := plotter.NewScatter(dots)
		if err != nil {
			return bot.File{}, fmt.Errorf("chart check-ins: %w", err)
		}
		sc.Color, sc.Shape, sc.Radius = colorProgress, draw.CircleGlyph{}, vg.Points(2.5)
		pl.Add(sc)
	}
	if p.HasProjection {
		proj, err := plotter.NewLine(plotter.XYs{{X: x(p.Now), Y: p.Value}, projEnd})
		if err != nil {
			return bot.File{}, fmt.Errorf("chart projection: %w", err)
		}
		proj.Color, proj.Width, proj.Dashes = colorProjection, vg.Points(1.5), []vg.Length{vg.Points(3), vg.Points(3)}
		pl.Add(proj)
		pl.Legend.Add("linear projection", proj)
	}
	pl.Legend.Top, pl.Legend.Left = true, true
	pl.Legend.XOffs, pl.Legend.YOffs = vg.Points(6), -vg.Points(4)
	pl.Legend.TextStyle.Font.Size = vg.Points(7)
	pl.Legend.ThumbnailWidth = vg.Points(14)
	pl.Legend.Padding = vg.Points(1.5)

	canvas := vgimg.NewWith(vgimg.UseWH(pixels(chartWidth), pixels(chartHeight)), vgimg.UseDPI(chartDPI))
	pl.Draw(draw.New(canvas))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: canvas}).WriteTo(&buf); err != nil {
		return bot.File{}, fmt.Errorf("encode chart: %w", err)
	}
	return bot.File{
		Name: fmt.Sprintf("objective-%d.png", o.Number), ContentType: "image/png", Data: buf.Bytes(),
		AltText: fmt.Sprintf("Burn-up chart of objective %d: %s of %s %s, with its target and linear projection.",
			o.Number, knowledge.FormatAmount(p.Value), knowledge.FormatAmount(o.Target), o.Unit),
	}, nil
}

// pixels converts a size in pixels at chartDPI to a vg length.
func pixels(n int) vg.Length { return vg.Length(n) * vg.Inch / chartDPI }

// shorten cuts s to at most n runes, marking the cut.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
