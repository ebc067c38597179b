// Command dockerfile-check runs BuildKit's own Dockerfile front end on a Dockerfile without a daemon:
// the parser, the conversion to LLB (stage references, ARG/ENV expansion, instruction arguments) and
// every build check `docker build --check` runs. Base images are not pulled: an offline resolver
// answers with a minimal linux image config. Built by test/envtest/build-helm.sh for
// test/integration/deploy (Docker itself cannot run on the test machines).
// Usage: dockerfile-check FILE; exit status 1 with one line per finding, 2 when the file does not convert.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// offlineResolver stands in for a registry: every base image is a bare linux image with a PATH.
type offlineResolver struct{}

func (offlineResolver) ResolveImageConfig(_ context.Context, ref string, _ sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	img := ocispecs.Image{
		Platform: ocispecs.Platform{OS: "linux", Architecture: runtime.GOARCH},
		Config:   ocispecs.ImageConfig{Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}},
	}
	dt, err := json.Marshal(img)
	if err != nil {
		return "", "", nil, err
	}
	return ref, digest.FromBytes(dt), dt, nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: dockerfile-check FILE")
		os.Exit(2)
	}
	path := os.Args[1]
	dt, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx := context.Background()
	// The source map ties findings to lines; BuildKit builds it around the Dockerfile's local source.
	src := llb.Local("dockerfile")
	def, err := src.Marshal(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	smap := llb.NewSourceMap(&src, path, "Dockerfile", dt)
	smap.Definition = def
	res, err := dockerfile2llb.DockerfileLint(ctx, dt, dockerfile2llb.ConvertOpt{
		MetaResolver: offlineResolver{},
		SourceMap:    smap,
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", path, err)
		os.Exit(2)
	}
	if res.Error != nil {
		fmt.Fprintf(os.Stderr, "%s: %s\n", path, res.Error.Message)
		os.Exit(2)
	}
	for _, w := range res.Warnings {
		line := 0
		if w.Location != nil && len(w.Location.Ranges) > 0 {
			line = int(w.Location.Ranges[0].Start.Line)
		}
		fmt.Printf("%s:%d: %s: %s\n", path, line, w.RuleName, w.Detail)
	}
	if len(res.Warnings) > 0 {
		os.Exit(1)
	}
	fmt.Printf("%s: no findings\n", path)
}
