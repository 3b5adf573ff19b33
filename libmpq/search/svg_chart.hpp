#pragma once

#include <string>
#include <vector>

namespace mpq {

// A small SVG chart writer for the search's and the sweep's plots (search.svg, sweep.svg):
// panels side by side, each with tick values on both axes, axis labels with their units,
// markers with optional error bars and lines, dashed reference lines, and its legend laid
// out below it, so that nothing is clipped and no label covers the data.
struct ChartPoint {
  double x = 0, y = 0;
  double error = 0;           // half-height of an error bar (0: none)
  bool break_before = false;  // a line series starts a new segment here
};

struct ChartSeries {
  std::string name;  // legend text ("" : not in the legend)
  std::string color = "#1f77b4";
  char marker = 'o';  // 'o' circle, 's' square, '^' triangle, 'd' diamond, 'v' down triangle, '+' plus, 'x' cross, ' ' none
  double size = 4;    // marker radius in px
  double opacity = 1;
  bool line = false;  // connect the points in order
  std::vector<ChartPoint> points;
};

struct ChartRule {  // a dashed reference line across the panel, named in the legend
  bool vertical = true;
  double at = 0;  // x (vertical) or y
  std::string name, color = "#d62728";
};

struct ChartPanel {
  std::string x_label, y_label;  // with units: "FLASH budget (KiB)"
  std::vector<ChartSeries> series;
  std::vector<ChartRule> rules;
  // The y axis starts no lower than this (NaN: fit the data); points below it are drawn as
  // a down triangle on the axis with their value, so that one collapsed policy does not
  // squeeze the differences between the others into a few pixels.
  double y_floor = 0.0 / 0.0;
  double y_value_scale = 1;  // the y value a clipped point shows is y * this ("%.1f")
};

// Nice tick values (steps of 1, 2, 2.5 or 5 times a power of ten) covering [lo, hi],
// about `target` of them; lo and hi need not be ticks.
std::vector<double> nice_ticks(double lo, double hi, int target = 5);

// The whole picture: `title` on top, the panels in a row, `notes` under them (each wrapped
// at words to the picture's width).
std::string svg_chart(const std::string& title, const std::vector<ChartPanel>& panels,
                      const std::vector<std::string>& notes = {}, double panel_width = 420, double panel_height = 300);

}  // namespace mpq
