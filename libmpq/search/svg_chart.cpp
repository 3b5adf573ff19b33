#include "libmpq/search/svg_chart.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace mpq {

namespace {

constexpr double kLeft = 64, kRight = 28, kTop = 34, kBelowAxis = 44, kLegendRow = 18, kNoteRow = 16;
constexpr double kCharWidth = 7;  // of 12 px sans-serif, generous so that text never overruns its box

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", v);
  return b;
}

std::string escaped(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '&') o += "&amp;";
    else if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '"') o += "&quot;";
    else o += c;
  }
  return o;
}

std::string text(double x, double y, const std::string& s, const char* anchor = "start", const std::string& extra = "") {
  return "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" text-anchor=\"" + anchor + "\"" + extra + ">" + escaped(s) +
         "</text>\n";
}

std::string tick_text(double v, double step) {
  int decimals = 0;  // as many as the step needs: 2.5 -> 1, 0.25 -> 2
  while (decimals < 6 && std::abs(step * std::pow(10.0, decimals) - std::round(step * std::pow(10.0, decimals))) > 1e-6)
    ++decimals;
  char b[32];
  std::snprintf(b, sizeof b, "%.*f", decimals, std::abs(v) < step * 1e-6 ? 0.0 : v);
  return b;
}

std::string marker(char shape, double x, double y, double r, const std::string& color, double opacity) {
  const std::string style = " fill=\"" + color + "\" fill-opacity=\"" + num(opacity) +
                            "\" stroke=\"black\" stroke-width=\"0.6\" stroke-opacity=\"" + num(opacity) + "\"/>\n";
  switch (shape) {
    case 's':
      return "<rect x=\"" + num(x - r) + "\" y=\"" + num(y - r) + "\" width=\"" + num(2 * r) + "\" height=\"" +
             num(2 * r) + "\"" + style;
    case '^':
      return "<polygon points=\"" + num(x) + "," + num(y - r * 1.2) + " " + num(x - r * 1.1) + "," + num(y + r * 0.8) +
             " " + num(x + r * 1.1) + "," + num(y + r * 0.8) + "\"" + style;
    case 'v':
      return "<polygon points=\"" + num(x) + "," + num(y + r * 1.2) + " " + num(x - r * 1.1) + "," + num(y - r * 0.8) +
             " " + num(x + r * 1.1) + "," + num(y - r * 0.8) + "\"" + style;
    case 'd':
      return "<polygon points=\"" + num(x) + "," + num(y - r * 1.3) + " " + num(x + r) + "," + num(y) + " " + num(x) +
             "," + num(y + r * 1.3) + " " + num(x - r) + "," + num(y) + "\"" + style;
    case '+':
      return "<path d=\"M" + num(x - r) + " " + num(y) + "H" + num(x + r) + "M" + num(x) + " " + num(y - r) + "V" +
             num(y + r) + "\" stroke=\"" + color + "\" stroke-width=\"2\" stroke-opacity=\"" + num(opacity) + "\"/>\n";
    case 'x':
      return "<path d=\"M" + num(x - r) + " " + num(y - r) + "L" + num(x + r) + " " + num(y + r) + "M" + num(x - r) +
             " " + num(y + r) + "L" + num(x + r) + " " + num(y - r) + "\" stroke=\"" + color +
             "\" stroke-width=\"2\" stroke-opacity=\"" + num(opacity) + "\"/>\n";
    case ' ':
      return "";
    default:
      return "<circle cx=\"" + num(x) + "\" cy=\"" + num(y) + "\" r=\"" + num(r) + "\"" + style;
  }
}

struct Range {
  double lo = INFINITY, hi = -INFINITY;
  void add(double v) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  // Padded by 5 % on each side; a single value gets a unit-wide range.
  void pad() {
    if (!(lo <= hi)) lo = 0, hi = 1;
    if (hi - lo < 1e-12) lo -= 0.5, hi += 0.5;
    const double p = 0.05 * (hi - lo);
    lo -= p;
    hi += p;
  }
};

struct LegendEntry {
  std::string name, color;
  char marker;
  bool line, dashed;
};

std::vector<LegendEntry> legend_of(const ChartPanel& p) {
  std::vector<LegendEntry> out;
  for (const auto& s : p.series)
    if (!s.name.empty()) out.push_back({s.name, s.color, s.marker, s.line, false});
  for (const auto& r : p.rules)
    if (!r.name.empty()) out.push_back({r.name, r.color, ' ', true, true});
  return out;
}

double entry_width(const LegendEntry& e) { return 30 + kCharWidth * static_cast<double>(e.name.size()) + 14; }

int legend_rows(const std::vector<LegendEntry>& entries, double width) {
  int rows = entries.empty() ? 0 : 1;
  double x = 0;
  for (const auto& e : entries) {
    if (x > 0 && x + entry_width(e) > width) {
      ++rows;
      x = 0;
    }
    x += entry_width(e);
  }
  return rows;
}

// One panel with its plot area at (x0, y0).
std::string draw_panel(const ChartPanel& p, double x0, double y0, double pw, double ph) {
  Range xr, yr;
  for (const auto& s : p.series)
    for (const auto& pt : s.points) {
      xr.add(pt.x);
      yr.add(pt.y - pt.error);
      yr.add(pt.y + pt.error);
    }
  for (const auto& r : p.rules) (r.vertical ? xr : yr).add(r.at);
  const bool floored = !std::isnan(p.y_floor) && yr.lo < p.y_floor;
  if (floored) yr.lo = p.y_floor;
  xr.pad();
  yr.pad();
  if (floored) yr.lo = p.y_floor;
  auto X = [&](double v) { return x0 + pw * (v - xr.lo) / (xr.hi - xr.lo); };
  auto Y = [&](double v) { return y0 + ph * (1 - (v - yr.lo) / (yr.hi - yr.lo)); };
  std::string o = "<rect x=\"" + num(x0) + "\" y=\"" + num(y0) + "\" width=\"" + num(pw) + "\" height=\"" + num(ph) +
                  "\" fill=\"none\" stroke=\"black\"/>\n";
  const auto xt = nice_ticks(xr.lo, xr.hi), yt = nice_ticks(yr.lo, yr.hi);
  for (double v : xt) {
    if (v < xr.lo || v > xr.hi) continue;
    o += "<line x1=\"" + num(X(v)) + "\" y1=\"" + num(y0) + "\" x2=\"" + num(X(v)) + "\" y2=\"" + num(y0 + ph) +
         "\" stroke=\"#e4e4e4\"/>\n<line x1=\"" + num(X(v)) + "\" y1=\"" + num(y0 + ph) + "\" x2=\"" + num(X(v)) +
         "\" y2=\"" + num(y0 + ph + 5) + "\" stroke=\"black\"/>\n";
    o += text(X(v), y0 + ph + 18, tick_text(v, xt.size() > 1 ? xt[1] - xt[0] : 1), "middle");
  }
  for (double v : yt) {
    if (v < yr.lo || v > yr.hi) continue;
    o += "<line x1=\"" + num(x0) + "\" y1=\"" + num(Y(v)) + "\" x2=\"" + num(x0 + pw) + "\" y2=\"" + num(Y(v)) +
         "\" stroke=\"#e4e4e4\"/>\n<line x1=\"" + num(x0 - 5) + "\" y1=\"" + num(Y(v)) + "\" x2=\"" + num(x0) +
         "\" y2=\"" + num(Y(v)) + "\" stroke=\"black\"/>\n";
    o += text(x0 - 8, Y(v) + 4, tick_text(v, yt.size() > 1 ? yt[1] - yt[0] : 1), "end");
  }
  o += text(x0 + pw / 2, y0 + ph + 36, p.x_label, "middle");
  o += text(x0 - 48, y0 + ph / 2, p.y_label, "middle",
            " transform=\"rotate(-90 " + num(x0 - 48) + " " + num(y0 + ph / 2) + ")\"");
  for (const auto& r : p.rules) {
    const bool inside = r.at >= (r.vertical ? xr.lo : yr.lo) && r.at <= (r.vertical ? xr.hi : yr.hi);
    if (!inside) continue;
    o += r.vertical ? "<line x1=\"" + num(X(r.at)) + "\" y1=\"" + num(y0) + "\" x2=\"" + num(X(r.at)) + "\" y2=\"" +
                          num(y0 + ph) + "\""
                    : "<line x1=\"" + num(x0) + "\" y1=\"" + num(Y(r.at)) + "\" x2=\"" + num(x0 + pw) + "\" y2=\"" +
                          num(Y(r.at)) + "\"";
    o += " stroke=\"" + r.color + "\" stroke-dasharray=\"5 4\"/>\n";
  }
  for (const auto& s : p.series) {
    if (s.line) {
      std::string pts;
      int count = 0;
      auto flush = [&] {
        if (count > 1)
          o += "<polyline points=\"" + pts + "\" fill=\"none\" stroke=\"" + s.color + "\" stroke-width=\"1.5\"/>\n";
        pts.clear();
        count = 0;
      };
      for (const auto& pt : s.points) {
        // A point below the axis is not joined: a line to the axis would show a slope that is not there.
        if (pt.break_before || (floored && pt.y < yr.lo)) flush();
        if (floored && pt.y < yr.lo) continue;
        pts += num(X(pt.x)) + "," + num(Y(std::max(pt.y, yr.lo))) + " ";
        ++count;
      }
      flush();
    }
    for (const auto& pt : s.points) {
      if (floored && pt.y < yr.lo) {
        // Below the axis: a down triangle on it, with the value.
        o += marker('v', X(pt.x), y0 + ph - s.size - 2, s.size, s.color, s.opacity);
        char v[32];
        std::snprintf(v, sizeof v, "%.1f", pt.y * p.y_value_scale);
        o += text(X(pt.x) + s.size + 3, y0 + ph - 4, v, "start", " font-size=\"10\" fill=\"" + s.color + "\"");
        continue;
      }
      if (pt.error > 0) {
        const double a = Y(std::max(yr.lo, pt.y - pt.error)), b = Y(pt.y + pt.error), x = X(pt.x);
        o += "<path d=\"M" + num(x) + " " + num(a) + "V" + num(b) + "M" + num(x - 3) + " " + num(a) + "H" +
             num(x + 3) + "M" + num(x - 3) + " " + num(b) + "H" + num(x + 3) + "\" stroke=\"" + s.color +
             "\" stroke-width=\"1.2\"/>\n";
      }
      o += marker(s.marker, X(pt.x), Y(pt.y), s.size, s.color, s.opacity);
    }
  }
  // The legend, below the axis label.
  double lx = 0, ly = y0 + ph + kBelowAxis + 12;
  const double lx0 = x0 - kLeft + 10, width = pw + kLeft - 10;
  for (const auto& e : legend_of(p)) {
    if (lx > 0 && lx + entry_width(e) > width) {
      lx = 0;
      ly += kLegendRow;
    }
    const double x = lx0 + lx;
    if (e.line)
      o += "<line x1=\"" + num(x) + "\" y1=\"" + num(ly - 4) + "\" x2=\"" + num(x + 24) + "\" y2=\"" + num(ly - 4) +
           "\" stroke=\"" + e.color + "\" stroke-width=\"1.5\"" + (e.dashed ? " stroke-dasharray=\"5 4\"" : "") +
           "/>\n";
    o += marker(e.marker, x + 12, ly - 4, 4, e.color, 1);
    o += text(x + 30, ly, e.name);
    lx += entry_width(e);
  }
  return o;
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!(hi > lo)) return {lo};
  const double raw = (hi - lo) / std::max(1, target);
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  double step = power, off = INFINITY;  // the round step nearest to raw, by ratio
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    const double ratio = std::max(m * power / raw, raw / (m * power));
    if (ratio < off) {
      off = ratio;
      step = m * power;
    }
  }
  std::vector<double> out;
  for (double v = std::ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push_back(v);
  return out;
}

std::string svg_chart(const std::string& title, const std::vector<ChartPanel>& panels,
                      const std::vector<std::string>& notes, double pw, double ph) {
  int rows = 0;
  for (const auto& p : panels) rows = std::max(rows, legend_rows(legend_of(p), pw + kLeft - 10));
  const double width = static_cast<double>(panels.size()) * (kLeft + pw + kRight) + 10;
  // Notes wrapped at words to the picture's width (11 px text: about 6 px a character).
  const auto per_line = static_cast<size_t>((width - 20) / 6.2);
  std::vector<std::string> lines;
  for (const auto& note : notes) {
    std::string line, word;
    for (size_t i = 0; i <= note.size(); ++i) {
      if (i < note.size() && note[i] != ' ') {
        word += note[i];
        continue;
      }
      if (!line.empty() && line.size() + 1 + word.size() > per_line) {
        lines.push_back(line);
        line.clear();
      }
      line += (line.empty() ? "" : " ") + word;
      word.clear();
    }
    if (!line.empty()) lines.push_back(line);
  }
  const double notes_top = kTop + ph + kBelowAxis + 8 + rows * kLegendRow + 8;
  const double height = notes_top + static_cast<double>(lines.size()) * kNoteRow + 8;
  std::string o = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(width) + "\" height=\"" + num(height) +
                  "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" "
                  "fill=\"white\"/>\n";
  o += text(10, 20, title, "start", " font-size=\"14\"");
  for (size_t i = 0; i < panels.size(); ++i)
    o += draw_panel(panels[i], static_cast<double>(i) * (kLeft + pw + kRight) + kLeft + 10, kTop, pw, ph);
  for (size_t i = 0; i < lines.size(); ++i)
    o += text(10, notes_top + kNoteRow * static_cast<double>(i + 1) - 4, lines[i], "start", " font-size=\"11\"");
  return o + "</svg>\n";
}

}  // namespace mpq
