// Command rulecheck validates Prometheus rule files the way `promtool check rules` does (rulefmt.Parse:
// PromQL expressions, durations, label names, annotation templates) without promtool's service-discovery
// dependencies. Built by test/envtest/build-helm.sh for the chart's PrometheusRule test.
// Usage: rulecheck FILE...; exit status 1 and one line per error when a file is invalid.
package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
)

func main() {
	failed := false
	for _, path := range os.Args[1:] {
		content, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", path, err)
			failed = true
			continue
		}
		logger := slog.New(slog.NewTextHandler(io.Discard, nil))
		groups, errs := rulefmt.Parse(content, false, model.UTF8Validation, parser.NewParser(parser.Options{}), logger)
		for _, e := range errs {
			fmt.Fprintf(os.Stderr, "%s: %v\n", path, e)
			failed = true
		}
		if len(errs) == 0 {
			n := 0
			for _, g := range groups.Groups {
				n += len(g.Rules)
			}
			fmt.Printf("%s: SUCCESS: %d rules found\n", path, n)
		}
	}
	if failed {
		os.Exit(1)
	}
}
