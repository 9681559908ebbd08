"""Benchmark: the latency simulator's speed, and its prediction against a real loopback server.

    .venv/bin/python benchmarks/latency.py [--profile full|smoke] [--requests 300]

Prints how long the Monte Carlo path takes for 100,000 requests (goal: at most 0.5 s, so that
sliders can call it live), then serves the course's trained model (float32, LiteRT) on
127.0.0.1, times real requests end to end, and compares their median with the simulator's
median for the same payload, round trip and server time (goal: within ±20 %).
Between the two, it prints one 1080p JPEG request's stages over LTE, warm and cold (radio
promotion, TCP and TLS handshakes, slow start).
"""

import argparse
import time

from utils import config

REQUESTS = 100_000
OPTIONS = {  # the Monte Carlo variants the notebook's sliders call
    "no loss": {},
    "1 % loss, TCP": {"loss": 0.01},
    "1 % bursty loss, TCP": {"loss": 0.01, "bursty": True},
    "1 % loss, UDP": {"loss": 0.01, "protocol": "udp"},
}


def monte_carlo_seconds(payload_bytes: int, repeats: int = 5) -> dict[str, float]:
    from utils import latency, measure

    seconds = {}
    for name, options in OPTIONS.items():
        options = dict(options)
        net = latency.network("LTE", loss=options.pop("loss", 0.0))
        times = []
        for seed in range(repeats):
            start = time.perf_counter()
            latency.simulate_cloud(
                payload_bytes, net, 0.5, REQUESTS, seed, server_p95_ms=0.7, **options
            )
            times.append(time.perf_counter() - start)
        seconds[name] = measure.percentile(times, 50)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="full", choices=sorted(config.PROFILES))
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    cfg = config.use_profile(args.profile)
    from utils import data, latency, measure, quantization, serving, training

    print(f"Monte Carlo, {REQUESTS:,} requests of a 1080p JPEG frame over LTE (median of 5 runs):")
    for name, seconds in monte_carlo_seconds(
        len(serving.encode_jpeg(serving.camera_frame(1920, 1080)))
    ).items():
        print(f"  {name:<22} {seconds:.3f} s   (goal <= 0.5 s)")

    frame = len(serving.encode_jpeg(serving.camera_frame(1920, 1080)))
    lte = latency.network("LTE")
    print(
        f"\nOne 1080p JPEG ({frame:,} bytes) over LTE, A100 floor, median ms by stage "
        "(260 ms promotion assumed):"
    )
    for state in ("warm", "cold"):
        stages = latency.request_stages(frame, lte, 0.470, cold=state == "cold", promotion_ms=260)
        print(
            f"  {state}: {sum(stages.values()):8.1f} ms = "
            + " + ".join(f"{k} {v:.3g}" for k, v in stages.items() if v)
        )

    model, _ = training.trained_model()
    lite = quantization.LiteModel(quantization.convert(model, "float32"), threads=1)
    image = next(iter(data.load("test").take(1)))[0].numpy()
    payload = serving.encode_jpeg(image, 90)
    with serving.InferenceServer(lite.predict, cfg.image_size) as server:
        measured = serving.time_requests(server.url, payload, args.requests)
    simulated = measure.percentile(measured.simulated(REQUESTS), 50)
    error = simulated / measured.median_ms - 1
    print(
        f"\nLoopback server, profile {args.profile}: {args.requests} requests of a "
        f"{len(payload):,}-byte JPEG"
    )
    print(
        f"  measured: empty round trip {measure.percentile(measured.empty_rtt_ms, 50):.3f} ms, "
        f"server {measure.percentile(measured.server_ms, 50):.3f} ms, "
        f"link {measured.bandwidth_mbps:,.0f} Mbit/s"
    )
    print(
        f"  median end to end: real {measured.median_ms:.3f} ms, simulated {simulated:.3f} ms "
        f"({error:+.1%}; goal within ±20 %)"
    )


if __name__ == "__main__":
    main()
