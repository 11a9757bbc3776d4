"""Batches on a Ray cluster: one actor per worker holds the model, one task per batch.

The frozen graph goes into Ray's object store once (so every worker runs exactly the graph
whose fingerprint the manifest records); each actor parses it once and keeps it. An executor
runs one task function, `task(model, batch, opts)`: render_model's `render_batch` by default,
dataset_examples' per-batch top-k too. A worker that dies (killed, out of memory) is restarted
by Ray and its batch retried (`max_restarts`, `max_task_retries`); workers return results,
never write, so nothing is written twice. Ray is optional (`pip install 'lucid-vgg[ray]'`) and
imported only here.
"""
import os
import socket
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Tuple

from lucid_vgg.recipes.unit_batches import BatchResult, BatchSpec, RenderOptions, render_batch
from modelzoo.vision_base import Model

#: How often Ray restarts a dead worker, and retries the batch it was running, before giving up.
MAX_RESTARTS = 3
#: Seconds to wait for a TCP connection to HOST:PORT before calling the address unreachable.
CONNECT_TIMEOUT_S = 5.0
#: Batches queued per worker (one running, one waiting), so a worker never idles between them.
IN_FLIGHT_PER_WORKER = 2


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ValueError("ray_address needs Ray: pip install 'lucid-vgg[ray]' "
                         "(or leave ray_address unset to render in-process)") from None
    return ray


def _host_port(address: str) -> Optional[Tuple[str, int]]:
    """(host, port) of 'HOST:PORT' or 'ray://HOST:PORT'; None for 'auto' and 'local'."""
    if address in ("auto", "local"):
        return None
    rest = address[len("ray://"):] if address.startswith("ray://") else address
    host, sep, port = rest.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"ray_address must be 'auto', 'local', 'HOST:PORT' or 'ray://HOST:PORT', "
                         f"got {address!r}")
    return host, int(port)


def check_address(address: Any) -> None:
    """ValueError, within CONNECT_TIMEOUT_S, when Ray is missing or HOST:PORT refuses connections."""
    if not isinstance(address, str) or not address.strip():
        raise ValueError(f"ray_address must be a string such as 'auto' or '127.0.0.1:6379', "
                         f"got {address!r}")
    _import_ray()
    target = _host_port(address)
    if target is None:
        return
    try:
        with socket.create_connection(target, timeout=CONNECT_TIMEOUT_S):
            pass
    except OSError as e:
        raise ValueError(f"cannot reach a Ray cluster at {address!r} ({e.strerror or e}): start "
                         "one there with `ray start --head`, pass --ray-address auto for the one "
                         "this machine runs, or leave the address unset to render in-process") from None


def connect(address: str) -> bool:
    """Connect this process to Ray at `address` unless it already is; True if this call did."""
    ray = _import_ray()
    if ray.is_initialized():
        return False
    check_address(address)
    kwargs: Dict[str, Any] = {"log_to_driver": False}
    if address == "local":
        kwargs.update(include_dashboard=False)
    try:
        ray.init(address=address, **kwargs)
    except ConnectionError as e:
        raise ValueError(f"cannot connect to a Ray cluster at {address!r}: {e}") from None
    return True


def worker_plan(resources: Dict[str, float], workers: Optional[int],
                cpus_per_worker: int) -> Tuple[int, int]:
    """(number of workers, GPUs per worker) for a cluster's resources: one GPU per worker when
    it has GPUs (default: one worker per GPU), else `cpus_per_worker` CPUs each (default: as
    many workers as fit)."""
    if isinstance(cpus_per_worker, bool) or not isinstance(cpus_per_worker, int) or cpus_per_worker < 1:
        raise ValueError(f"ray_cpus_per_worker must be a positive integer, got {cpus_per_worker!r}")
    gpus = int(resources.get("GPU", 0))
    cpus = max(1, int(resources.get("CPU", 1)))
    if workers is None:
        workers = gpus if gpus else max(1, cpus // cpus_per_worker)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"ray_workers must be a positive integer, got {workers!r}")
    if gpus and workers > gpus:
        raise ValueError(f"ray_workers={workers}, but each worker takes one GPU and the cluster "
                         f"has {gpus}; ask for at most {gpus} workers")
    if not gpus and cpus_per_worker > cpus:
        raise ValueError(f"ray_cpus_per_worker={cpus_per_worker} is more than the cluster's "
                         f"{cpus} CPUs")
    return workers, 1 if gpus else 0


#: What a Ray worker runs per batch: task(model, batch, opts) -> a small, picklable result.
Task = Callable[[Model, Any, Any], Any]


def describe_render_batch(spec: BatchSpec) -> str:
    """What a render_model batch was doing, for the error when its worker keeps dying."""
    return (f"rendering {spec.layer} {spec.kind} units {list(spec.units)}; the finished units "
            "are saved, rerun to resume")


class ModelWorker:
    """The body of a Ray worker: the model, loaded once, runs `task` on batch after batch."""

    def __init__(self, model: Model, graph_bytes: bytes, task: Task, opts: Any,
                 threads: int) -> None:
        import tensorflow as tf

        try:  # as many TensorFlow threads as CPUs Ray gave this worker
            tf.config.threading.set_intra_op_parallelism_threads(max(1, threads))
        except RuntimeError:
            pass
        graph_def = tf.compat.v1.GraphDef()
        graph_def.ParseFromString(graph_bytes)
        model.__dict__["_graph_def"] = graph_def
        self.model, self.task, self.opts = model, task, opts

    def run(self, batch: Any) -> Any:
        return self.task(self.model, batch, self.opts)

    def pid(self) -> int:
        return os.getpid()


class RayExecutor:
    """Runs `task` on batches on Ray actors; `run` yields (batch, result) as batches finish.
    Defaults to render_model's batches; `describe(batch)` words the error of a lost batch."""

    def __init__(self, model: Model, opts: Any, address: str,
                 workers: Optional[int] = None, cpus_per_worker: int = 1,
                 task: Task = render_batch,
                 describe: Callable[[Any], str] = describe_render_batch) -> None:
        from modelzoo.util import serialize_graph_def

        ray = _import_ray()
        self.ray, self.actors, self.describe = ray, [], describe
        self.owns_connection = connect(address)
        try:
            workers, gpus = worker_plan(ray.cluster_resources(), workers, cpus_per_worker)
        except ValueError:
            self.close()
            raise
        remote = ray.remote(ModelWorker).options(
            num_cpus=cpus_per_worker, num_gpus=gpus,
            max_restarts=MAX_RESTARTS, max_task_retries=MAX_RESTARTS)
        # held for the executor's life: a restarted worker reads the graph from it again
        self.graph_ref = ray.put(serialize_graph_def(model.graph_def))
        self.actors = [remote.remote(model, self.graph_ref, task, opts, cpus_per_worker)
                       for _ in range(workers)]
        self.gpus_per_worker = gpus

    def worker_pids(self) -> List[int]:
        """The process ids of the workers (for tests that kill one)."""
        return list(self.ray.get([a.pid.remote() for a in self.actors]))

    def run(self, batches: Iterable[Any]) -> Iterator[Tuple[Any, Any]]:
        """Yield (batch, result) in finishing order; `batches` is read lazily, a few per worker
        ahead, so a long stream of batches is never all in memory."""
        ray = self.ray
        queue = iter(batches)
        in_flight: Dict[Any, Tuple[Any, Any]] = {}
        load = {id(a): 0 for a in self.actors}

        def fill() -> None:
            for actor in sorted(self.actors, key=lambda a: load[id(a)]):
                while load[id(actor)] < IN_FLIGHT_PER_WORKER:
                    batch = next(queue, _END)
                    if batch is _END:
                        return
                    in_flight[actor.run.remote(batch)] = (batch, actor)
                    load[id(actor)] += 1

        fill()
        while in_flight:
            ready, _ = ray.wait(list(in_flight), num_returns=1)
            batch, actor = in_flight.pop(ready[0])
            load[id(actor)] -= 1
            try:
                result = ray.get(ready[0])
            except ray.exceptions.RayActorError as e:
                raise RuntimeError(f"a Ray worker died {MAX_RESTARTS + 1} times "
                                   f"{self.describe(batch)} ({e})") from None
            fill()
            yield batch, result

    def close(self) -> None:
        for actor in self.actors:
            self.ray.kill(actor)
        self.actors, self.graph_ref = [], None
        if self.owns_connection:
            self.ray.shutdown()


_END = object()
