#!/usr/bin/env python3
"""CAVGA-Du in PyTorch: the yardstick for our training step, and proof that our checkpoints mean the same thing there.

A development tool only (never a dependency of the library, its tests or CI); it needs torch and numpy, nothing else.
The modules mirror src/cavga/models/*.ts with the same state-dict names and layouts, so our safetensors checkpoints
load here as they are, optimiser state included, and a run can continue in PyTorch. Subcommands:

  time        times the training step on random inputs; prints one JSON line (`npm run bench -- --step` calls it)
  check       our checkpoint in eval mode on our inputs: reconstruction, Grad-CAM attention, score and map against ours
  step-check  one training step from each of our checkpoints before a step, on our batch and noise: every loss term,
              parameter, running statistic and Adam moment against ours after it; then all the steps run on from the
              first checkpoint, and --save writes where PyTorch ends as one of our checkpoints

bench/torch-check.ts writes the files `check` and `step-check` read; bench/NOTES.md ("The PyTorch yardstick") explains
the limits.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import struct
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

# --- configuration (src/cavga/config.ts) ---------------------------------------------------------------------------


@dataclass
class Weights:
    reconstruction: float = 1.0
    kl: float = 0.01
    adversarial: float = 0.001
    attentionExpansion: float = 0.01


@dataclass
class Config:
    """The fields of our CavgaConfig this port reads, named as in its JSON. Defaults: `cavga train`'s model,
    presetConfig('cavga-du', shortTraining)."""

    imageSize: int = 64
    channels: int = 3
    width: int = 16
    latentChannels: int = 32
    logvarBias: float = -6.0
    variational: bool = True
    adversarialLoss: bool = True
    attentionLoss: bool = True
    gradCamScore: str = 'squared-norm'
    attentionNorm: str = 'max'
    anomalyMap: str = 'error'
    imageScore: str = 'map-max'
    errorSmoothing: float = 1.0
    attentionExponent: float = 1.0
    standardize: bool = True
    lr: float = 1e-3
    betas: tuple[float, float] = (0.5, 0.999)
    weights: Weights = field(default_factory=Weights)

    @staticmethod
    def from_saved(cavga: dict, source: str) -> Config:
        """Our saved config (a checkpoint's metadata); what this port does not implement is refused in one line."""
        covered = {'backbone': 'dcgan', 'supervision': 'unsupervised', 'flatLatent': False, 'reconstructionLoss': 'mse'}
        for key, wanted in covered.items():
            if cavga.get(key, wanted) != wanted:
                raise UserError(f"{source}: {key} is {cavga[key]!r}; this port covers only {key} {wanted!r} (CAVGA-Du)")
        names = Config.__dataclass_fields__.keys() - {'weights', 'betas'}
        config = Config(**{k: cavga[k] for k in names if k in cavga})
        config.betas = tuple(cavga.get('betas', config.betas))
        w = cavga.get('weights', {})
        config.weights = Weights(**{k: w[k] for k in Weights.__dataclass_fields__ if k in w})
        return config


class UserError(Exception):
    """Bad input or a failed comparison: printed as one line, exit code 1."""


# --- modules (src/cavga/models, src/nn) ------------------------------------------------------------------------------


def down(cin: int, cout: int, bn: bool) -> list[nn.Module]:
    """DC-GAN's down-sampling block: conv 4x4 stride 2, batch norm (not on the first), leaky ReLU 0.2."""
    return [nn.Conv2d(cin, cout, 4, 2, 1, bias=not bn), *([nn.BatchNorm2d(cout)] if bn else []), nn.LeakyReLU(0.2)]


class DcganEncoder(nn.Module):
    """Image [n, c, s, s] -> features F [n, 4w, s/8, s/8]."""

    def __init__(self, channels: int, width: int) -> None:
        super().__init__()
        self.body = nn.Sequential(*down(channels, width, False), *down(width, 2 * width, True),
                                  *down(2 * width, 4 * width, True))

    def forward(self, x: Tensor) -> Tensor:
        return self.body(x)


class LatentHead(nn.Module):
    """F -> conv 3x3, batch norm, leaky ReLU -> a 1x1 conv giving mu and logvar side by side."""

    def __init__(self, k: int, cz: int) -> None:
        super().__init__()
        self.cz = cz
        self.block = nn.Sequential(nn.Conv2d(k, k, 3, 1, 1, bias=False), nn.BatchNorm2d(k), nn.LeakyReLU(0.2))
        self.heads = nn.Conv2d(k, 2 * cz, 1)

    def forward(self, features: Tensor) -> tuple[Tensor, Tensor]:
        both = self.heads(self.block(features))
        return both[:, :self.cz], both[:, self.cz:]


class DcganDecoder(nn.Module):
    """Latent map [n, cz, s/8, s/8] -> image [n, c, s, s] in [-1, 1]."""

    def __init__(self, cz: int, channels: int, width: int) -> None:
        super().__init__()

        def up(cin: int, cout: int) -> list[nn.Module]:
            return [nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]

        self.body = nn.Sequential(nn.Conv2d(cz, 4 * width, 3, 1, 1, bias=False), nn.BatchNorm2d(4 * width), nn.ReLU(),
                                  *up(4 * width, 2 * width), *up(2 * width, width),
                                  nn.ConvTranspose2d(width, channels, 4, 2, 1), nn.Tanh())

    def forward(self, z: Tensor) -> Tensor:
        return self.body(z)


class Discriminator(nn.Module):
    """Image -> one logit per image [n]: four stride-2 blocks, then a conv over the s/16 map."""

    def __init__(self, channels: int, width: int, image_size: int) -> None:
        super().__init__()
        self.body = nn.Sequential(*down(channels, width, False), *down(width, 2 * width, True),
                                  *down(2 * width, 4 * width, True), *down(4 * width, 8 * width, True),
                                  nn.Conv2d(8 * width, 1, image_size // 16))

    def forward(self, x: Tensor) -> Tensor:
        return self.body(x).reshape(x.shape[0])


class ErrorCalibration(nn.Module):
    """Per-pixel statistics of the error map on normal images (buffers only; our calibration.ts computes them)."""

    def __init__(self, side: int) -> None:
        super().__init__()
        self.register_buffer('mean', torch.zeros(1, 1, side, side))
        self.register_buffer('spread', torch.ones(1, 1, side, side))
        self.register_buffer('threshold', torch.tensor(1.0))
        self.register_buffer('images', torch.tensor(0.0))

    def forward(self, raw: Tensor) -> Tensor:
        return (raw - self.mean) / self.spread

    def scale(self, standardised: Tensor) -> Tensor:
        positive = standardised.relu()
        return positive / (positive + self.threshold)


class Cavga(nn.Module):
    """Encoder -> F -> latent head (mu, logvar) -> z -> decoder, and a discriminator; children in our order."""

    def __init__(self, c: Config) -> None:
        super().__init__()
        self.config = c
        self.encoder = DcganEncoder(c.channels, c.width)
        self.head = LatentHead(4 * c.width, c.latentChannels)
        self.decoder = DcganDecoder(c.latentChannels, c.channels, c.width)
        self.discriminator = Discriminator(c.channels, c.width, c.imageSize)
        self.calibration = ErrorCalibration(c.imageSize)
        self.dcgan_init()

    def dcgan_init(self) -> None:
        """Our initialisation in distribution (not in values; those come from our checkpoints): conv weights
        N(0, 0.02), batch-norm weights N(1, 0.02), biases 0, the logvar half of the head's bias at logvarBias."""
        with torch.no_grad():
            for m in self.modules():
                if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
                    m.weight.normal_(0, 0.02)
                    if m.bias is not None:
                        m.bias.zero_()
                elif isinstance(m, nn.BatchNorm2d):
                    m.weight.normal_(1, 0.02)
                    m.bias.zero_()
            self.head.heads.bias[self.config.latentChannels:] = self.config.logvarBias

    def encode(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        features = self.encoder(x)
        return (features, *self.head(features))

    def generator_parameters(self) -> list[tuple[str, nn.Parameter]]:
        """What the encoder/decoder Adam updates, in our order (Module.parameters() less the discriminator's)."""
        return [(n, p) for n, p in self.named_parameters() if not n.startswith('discriminator.')]

    def discriminator_parameters(self) -> list[tuple[str, nn.Parameter]]:
        return [(n, p) for n, p in self.named_parameters() if n.startswith('discriminator.')]


# --- Grad-CAM, losses and the step (src/cavga/gradcam.ts, losses.ts, trainer.ts) -------------------------------------


def latent_score(mu: Tensor, kind: str) -> Tensor:
    return mu.sum() if kind == 'sum' else 0.5 * mu.square().sum()


def grad_cam(features: Tensor, score: Tensor, create_graph: bool, normalize: str, absolute: bool = False) -> Tensor:
    """alpha_k = spatial mean of d score / d F_k; A = relu(sum_k alpha_k F_k) scaled per image ([n, 1, h, w])."""
    (d_score,) = torch.autograd.grad(score, features, create_graph=create_graph)
    alpha = d_score.mean((2, 3), keepdim=True)
    weighted = (alpha * features).sum(1, keepdim=True)
    raw = weighted.abs() if absolute else weighted.relu()
    return raw / (raw.amax((2, 3), keepdim=True) + 1e-8) if normalize == 'max' else raw.sigmoid()


def kl_divergence(mu: Tensor, logvar: Tensor) -> Tensor:
    return -0.5 * (1 + logvar - mu.square() - logvar.exp()).mean()


def bce(logits: Tensor, target: float) -> Tensor:
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, target))


def make_adams(model: Cavga) -> tuple[torch.optim.Adam, torch.optim.Adam]:
    c = model.config
    params = lambda named: [p for _, p in named]  # noqa: E731
    return (torch.optim.Adam(params(model.generator_parameters()), lr=c.lr, betas=c.betas),
            torch.optim.Adam(params(model.discriminator_parameters()), lr=c.lr, betas=c.betas))


def apply_gradients(optimizer: torch.optim.Adam, loss: Tensor) -> None:
    """Gradients of `loss` for the optimiser's parameters only (as ours: grad(), not backward()), then one step."""
    params = [p for g in optimizer.param_groups for p in g['params']]
    for p, g in zip(params, torch.autograd.grad(loss, params, allow_unused=True)):
        p.grad = g
    optimizer.step()
    for p in params:
        p.grad = None


def train_step(model: Cavga, adam_g: torch.optim.Adam, adam_d: torch.optim.Adam, images: Tensor,
               eps: Tensor) -> dict[str, Tensor]:
    """One iteration as CavgaTrainer.step: the discriminator update once the reconstruction exists, then the
    encoder/decoder update, whose attention-expansion loss is differentiated through Grad-CAM's alpha."""
    c, w = model.config, model.config.weights
    model.train()
    features, mu, logvar = model.encode(images)
    z = mu + (0.5 * logvar).exp() * eps if c.variational else mu
    x_hat = model.decoder(z)
    terms = {'reconstruction': F.mse_loss(x_hat, images)}
    losses: dict[str, Tensor] = {}
    if c.variational:
        terms['kl'] = kl_divergence(mu, logvar)
    total = w.reconstruction * (terms['reconstruction'] + w.kl * terms['kl'] if c.variational else
                                terms['reconstruction'])
    if c.adversarialLoss:
        d = model.discriminator
        losses['discriminator'] = bce(d(images), 1) + bce(d(x_hat.detach()), 0)
        apply_gradients(adam_d, losses['discriminator'])
        terms['adversarial'] = bce(d(x_hat), 1)  # the discriminator just updated, as in ours
        total = total + w.adversarial * terms['adversarial']
    if c.attentionLoss:
        attention = grad_cam(features, latent_score(mu, c.gradCamScore), True, c.attentionNorm)
        terms['attentionMean'] = attention.detach().mean()
        terms['attentionExpansion'] = (1 - attention).mean()
        total = total + w.attentionExpansion * terms['attentionExpansion']
    terms['total'] = total
    apply_gradients(adam_g, total)
    return {**losses, **{k: t.detach() for k, t in terms.items()}}


# --- test-time analysis (src/cavga/inference.ts) --------------------------------------------------------------------


def gaussian_window(size: int, sigma: float) -> Tensor:
    g = torch.tensor([math.exp(-((i - (size - 1) / 2) ** 2) / (2 * sigma * sigma)) for i in range(size)],
                     dtype=torch.float64)
    g = g / g.sum()
    return torch.outer(g, g).float().reshape(1, 1, size, size)


def smoothed_error(error: Tensor, sigma: float) -> Tensor:
    """|x - x_hat| averaged over channels, blurred by a Gaussian and divided by the blurred all-ones image."""
    channel_mean = error.mean(1, keepdim=True)
    if sigma == 0:
        return channel_mean
    size = 2 * math.ceil(2 * sigma) + 1
    window = gaussian_window(size, sigma)
    blur = lambda t: F.conv2d(t, window, padding=(size - 1) // 2)  # noqa: E731
    return blur(channel_mean) / blur(torch.ones_like(channel_mean[:1]))


def analyze(model: Cavga, images: Tensor) -> dict[str, Tensor]:
    """The model in eval mode (z = mu, running statistics): reconstruction, up-sampled attention, score and map."""
    c = model.config
    if c.anomalyMap == 'ssim':
        raise UserError("the 'ssim' anomaly map is not ported; check a model scored otherwise")
    model.eval()
    features, mu, _ = model.encode(images)
    with torch.no_grad():
        reconstruction = model.decoder(mu)
    error = (images - reconstruction).abs()
    out = {'reconstruction': reconstruction}
    attention_map = None
    if c.attentionLoss or c.anomalyMap in ('attention', 'attention-abs', 'attention-error'):
        cam = grad_cam(features, latent_score(mu, c.gradCamScore), False, c.attentionNorm,
                       absolute=c.anomalyMap == 'attention-abs')
        out['attention'] = F.interpolate(cam, size=(c.imageSize, c.imageSize), mode='bilinear', align_corners=False)
        attention_map = out['attention'] if c.anomalyMap == 'attention-abs' else 1 - out['attention']
    with torch.no_grad():
        if c.anomalyMap in ('attention', 'attention-abs'):
            raw = attention_map
        elif c.anomalyMap == 'error':
            raw = smoothed_error(error, c.errorSmoothing)
        else:
            raw = smoothed_error(error, c.errorSmoothing) * attention_map ** c.attentionExponent
        standardize = c.standardize and model.calibration.images.item() > 0  # as ours: only once calibrated
        standardised = model.calibration(raw) if standardize else raw
        out['score'] = standardised.amax((1, 2, 3)) if c.imageScore == 'map-max' else error.mean((1, 2, 3))
        if standardize:
            out['map'] = model.calibration.scale(standardised)
        elif c.anomalyMap in ('error', 'attention-error'):
            out['map'] = raw / (raw.amax((1, 2, 3), keepdim=True) + 1e-8)
        else:
            out['map'] = raw
    return out


# --- safetensors and our checkpoints (src/nn/safetensors-format.ts, checkpoint-state.ts) ----------------------------

DTYPES = {'F32': '<f4', 'F64': '<f8', 'F16': '<f2', 'I64': '<i8', 'I32': '<i4'}


def read_safetensors(path: str) -> tuple[dict[str, Tensor], dict[str, str]]:
    """Every tensor as float32 (as our reader), and the metadata."""
    try:
        data = Path(path).read_bytes()
        (length,) = struct.unpack('<Q', data[:8])
        header = json.loads(data[8:8 + length])
    except (OSError, struct.error, ValueError) as e:
        raise UserError(f'{path}: not a readable safetensors file ({e})') from e
    metadata = header.pop('__metadata__', {})
    tensors = {}
    for name, entry in header.items():
        try:
            begin, end = entry['data_offsets']
            raw = data[8 + length + begin:8 + length + end]
            if entry['dtype'] == 'BF16':
                values = (np.frombuffer(raw, '<u2').astype(np.uint32) << 16).view(np.float32)
            else:
                values = np.frombuffer(raw, DTYPES[entry['dtype']]).astype(np.float32)
            tensors[name] = torch.from_numpy(values.reshape(entry['shape']).copy())
        except (KeyError, TypeError, ValueError) as e:
            raise UserError(f'{path}: tensor {name} is not a float or integer tensor this reader knows ({e!r})') from e
    return tensors, metadata


def write_safetensors(path: str, tensors: dict[str, Tensor], metadata: dict[str, str]) -> None:
    """float32, names sorted, header padded to 8 bytes (as ours); written beside `path`, then renamed over it."""
    header: dict[str, object] = {'__metadata__': metadata}
    chunks, offset = [], 0
    for name in sorted(tensors):
        values = tensors[name].detach().to(torch.float32).contiguous().numpy().astype('<f4').tobytes()
        shape = list(tensors[name].shape)
        header[name] = {'dtype': 'F32', 'shape': shape, 'data_offsets': [offset, offset + len(values)]}
        chunks.append(values)
        offset += len(values)
    text = json.dumps(header).encode()
    text += b' ' * (-len(text) % 8)
    tmp = f'{path}.tmp-{os.getpid()}'
    with open(tmp, 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + b''.join(chunks))
    os.replace(tmp, path)


@dataclass
class Training:
    model: Cavga
    adam_g: torch.optim.Adam
    adam_d: torch.optim.Adam
    metadata: dict[str, str]  # the checkpoint's: config, step, optimiser step counts, random generators

    def step(self, images: Tensor, eps: Tensor) -> dict[str, Tensor]:
        """One training step, counted as our trainer counts it: the step number, and the offset of its noise generator
        (counter-based: each step draws eps.numel() values), so a checkpoint of this state resumes in ours."""
        losses = train_step(self.model, self.adam_g, self.adam_d, images, eps)
        self.metadata['step'] = str(int(self.metadata.get('step', '0')) + 1)
        generators = json.loads(self.metadata.get('generators', '{}'))
        if 'noise' in generators:
            generators['noise']['offset'] += eps.numel()
        self.metadata['generators'] = json.dumps(generators)
        return losses


def optimizer_parts(model: Cavga) -> dict[str, list[tuple[str, nn.Parameter]]]:
    """Our optimisers by checkpoint name ('g', 'd'), each with its parameters in our order."""
    return {'g': model.generator_parameters(), 'd': model.discriminator_parameters()}


def load_checkpoint(path: str, dtype: torch.dtype = torch.float32) -> Training:
    """One of our checkpoints (`cavga train` or saveCheckpoint of a CavgaTrainer): model, both Adams' m, v and step.
    float64 gives the reference that measures float32's own rounding."""
    tensors, metadata = read_safetensors(path)
    try:
        cavga = json.loads(metadata['config'])['cavga']
        steps = json.loads(metadata.get('optimizers', '{}'))
    except (KeyError, TypeError, ValueError) as e:
        raise UserError(f'{path}: not a CAVGA checkpoint of this project (no CAVGA config in its metadata)') from e
    model = Cavga(Config.from_saved(cavga, path)).to(dtype)
    own = model.state_dict()
    problems = [f'missing {n}' for n in own if n not in tensors]
    problems += [f'{n} expects shape {list(t.shape)}, found {list(tensors[n].shape)}'
                 for n, t in own.items() if n in tensors and tensors[n].shape != t.shape]
    optim = {n for n in tensors if n.startswith('optim.')}
    problems += [f'unexpected {n}' for n in tensors if n not in own and n not in optim]
    if problems:
        raise UserError(f"{path} does not match CAVGA-Du's state dict: {'; '.join(problems[:5])}")
    model.load_state_dict({n: tensors[n] for n in own})
    adam_g, adam_d = make_adams(model)
    for (name, params), adam in zip(optimizer_parts(model).items(), (adam_g, adam_d)):
        state = {}
        for i, (pname, p) in enumerate(params):
            slots = {s: tensors.get(f'optim.{name}.state.0.{i}.{s}') for s in ('exp_avg', 'exp_avg_sq')}
            if all(t is None for t in slots.values()):
                continue
            if any(t is None or t.shape != p.shape for t in slots.values()):
                raise UserError(f'{path}: optim.{name}.state.0.{i} ({pname}) needs exp_avg and exp_avg_sq of shape '
                                f'{list(p.shape)}')
            if name not in steps:
                raise UserError(f"{path}: no step count for optimiser '{name}' in its metadata")
            # Ours counts steps per optimiser; torch per parameter. Every parameter has a gradient in every step here.
            state[i] = {'step': torch.tensor(float(steps[name])), **slots}
        saved_state = adam.state_dict()
        saved_state['state'] = state
        adam.load_state_dict(saved_state)
    return Training(model, adam_g, adam_d, metadata)


def checkpoint_tensors(t: Training) -> tuple[dict[str, Tensor], dict[str, str]]:
    """The tensors and metadata of our checkpoint format for `t` (what saveCheckpoint writes for a CavgaTrainer)."""
    tensors = dict(t.model.state_dict())
    steps = {}
    for (name, params), adam in zip(optimizer_parts(t.model).items(), (t.adam_g, t.adam_d)):
        counts = set()
        for i, (_, p) in enumerate(params):
            for slot, value in adam.state.get(p, {}).items():
                if slot == 'step':
                    counts.add(int(value))
                else:
                    tensors[f'optim.{name}.state.0.{i}.{slot}'] = value
        if len(counts) > 1:
            raise UserError(f'Adam {name}: parameters have taken different numbers of steps ({sorted(counts)})')
        steps[name] = counts.pop() if counts else 0
    return tensors, {**t.metadata, 'optimizers': json.dumps(steps)}


# --- subcommands ---------------------------------------------------------------------------------------------------


def time_steps(a: argparse.Namespace) -> None:
    torch.set_num_threads(a.threads)
    busy = os.getloadavg()[0]  # over the last minute, so it includes a step benchmark's own runs: up to a core each
    if a.threads > 1 and busy > (os.cpu_count() or 1) + 0.5:
        # PyTorch's OpenMP threads meet at a barrier after every parallel loop: while other processes hold the cores,
        # each step waits for its most delayed thread (bench/NOTES.md measured 15x slower steps at load 12 on 2 cores).
        print(f'warning: load average {busy:.1f} on {os.cpu_count()} CPUs; with {a.threads} threads PyTorch waits on '
              'descheduled threads, so these times overstate its step', file=sys.stderr)
    torch.manual_seed(0)
    config = Config(imageSize=a.image_size, width=a.width, latentChannels=a.latent_channels)
    model = Cavga(config)
    adam_g, adam_d = make_adams(model)
    images = torch.rand(a.batch, config.channels, a.image_size, a.image_size) * 2 - 1
    side = a.image_size // 8
    ms = []
    for k in range(a.warmup + a.steps):
        started = time.perf_counter()
        eps = torch.randn(a.batch, config.latentChannels, side, side)
        losses = {n: v.item() for n, v in train_step(model, adam_g, adam_d, images, eps).items()}
        if k >= a.warmup:
            ms.append((time.perf_counter() - started) * 1000)
        print(f'step {k + 1}: ' + ', '.join(f'{n} {v:.4g}' for n, v in losses.items()), file=sys.stderr)
    print(json.dumps({'ms': ms, 'torch': torch.__version__, 'threads': torch.get_num_threads()}))


def compare(label: str, ours: Tensor, theirs: Tensor, limit: float, relative: bool = False) -> str | None:
    """Prints one line; returns a failure line when the difference passes the limit."""
    diff = (theirs.double() - ours.double()).abs().max().item() if ours.numel() else 0.0
    scale = ours.abs().max().item() if relative and ours.numel() else 1.0
    value = diff / max(scale, 1e-30)
    kind = 'max |torch - ours| / max |ours|' if relative else 'max |torch - ours|'
    verdict = 'ok' if value <= limit else 'DIFFERS'
    print(f'  {label:<44} {kind} = {value:.2e}  (limit {limit:.0e})  {verdict}')
    return None if value <= limit else f'{label}: {kind} = {value:.2e} > {limit:.0e}'


def finish(failures: list[str | None], what: str) -> None:
    failed = [f for f in failures if f]
    if failed:
        raise UserError(f'{len(failed)} comparison(s) over the limit; first: {failed[0]}')
    print(f'{what}: all {len(failures)} comparisons within their limits')


def check(a: argparse.Namespace) -> None:
    t = load_checkpoint(a.checkpoint)
    reference, _ = read_safetensors(a.reference)
    needed = ['check.images', 'check.reconstruction', 'check.attention', 'check.score', 'check.map']
    if missing := [n for n in needed if n not in reference]:
        raise UserError(f'{a.reference}: missing {", ".join(missing)} (write it with bench/torch-check.ts)')
    ours = {n.removeprefix('check.'): v for n, v in reference.items() if n.startswith('check.')}
    if ours['attention'].max() <= 0:
        raise UserError(f'{a.checkpoint}: our attention map is zero everywhere on these images, so comparing it would '
                        'prove nothing (in eval mode a model shows attention after some 40 training steps)')
    theirs = analyze(t.model, ours['images'])
    print(f"check: {a.checkpoint} in eval mode on {ours['images'].shape[0]} images ({t.model.config.anomalyMap} map)")
    finish([compare(n, ours[n], theirs[n].detach(), 1e-4) for n in ('reconstruction', 'attention', 'map')] +
           [compare('score', ours['score'], theirs['score'], 1e-4, relative=True)], 'check')


# step-check's limits. Both sides compute in float32; what matters is each side's distance from the exact step, for
# which PyTorch in float64 stands in (PyTorch's own float32 distance is printed beside ours). Distances are relative and
# in the 2-norm over a tensor: a float32 pre-activation that lands on the other side of a ReLU kink than the exact one
# changes a few gradient entries by a lot, and through the discriminator's update the adversarial loss, so the limits
# sit above such jumps (both sides have them) and below the effect of a 10% change in one loss weight. bench/NOTES.md
# ("The PyTorch yardstick") has the measurements.
LIMITS = {'loss': 1e-3, 'parameter update': 2e-2, 'Adam exp_avg': 2e-2, 'Adam exp_avg_sq': 2e-2,
          'running statistics': 1e-3}


def distance(ours: Tensor, exact: Tensor, origin: Tensor | None = None) -> float:
    """||ours - exact|| / ||exact - origin||: relative to the tensor, or with `origin` (the parameter before the step)
    relative to the exact update."""
    exact = exact.detach().double()
    scale = (exact - origin.double()).norm() if origin is not None else exact.norm()
    return (ours.detach().double() - exact).norm().item() / max(scale.item(), 1e-30)


def step_check(a: argparse.Namespace) -> None:
    reference, _ = read_safetensors(a.reference)
    k_steps = len(a.states) - 1
    if k_steps < 1:
        raise UserError('--states needs our checkpoint before the first step and one after each step')
    needed = [f'step.{k}.{n}' for k in range(k_steps) for n in ('images', 'eps')]
    if missing := [n for n in needed if n not in reference]:
        raise UserError(f'{a.reference}: missing {", ".join(missing[:3])} (write it with bench/torch-check.ts)')
    ours_losses = [{n.removeprefix(f'step.{k}.loss.'): v for n, v in reference.items()
                    if n.startswith(f'step.{k}.loss.')} for k in range(k_steps)]
    print(f'step-check: {k_steps} step(s), each from our state before it ({a.states[0]} ...), on our batches and noise')
    print(f"  {'distance from PyTorch float64 (worst over steps)':<62} {'ours':>9} {'torch32':>9} {'limit':>7}")
    worst: dict[str, tuple[float, float, str]] = {}

    def record(kind: str, e_ours: float, e_torch: float, where: str) -> None:
        if kind not in worst or e_ours > worst[kind][0]:
            worst[kind] = (e_ours, max(e_torch, worst.get(kind, (0, 0))[1]), where)

    for k in range(k_steps):
        ours_before, _ = read_safetensors(a.states[k])
        ours_after, ours_meta = read_safetensors(a.states[k + 1])
        runs = {}
        for dtype in (torch.float32, torch.float64):
            t = load_checkpoint(a.states[k], dtype)
            losses = t.step(reference[f'step.{k}.images'].to(dtype), reference[f'step.{k}.eps'].to(dtype))
            runs[dtype] = (t, losses, *checkpoint_tensors(t))
        (t32, l32, s32, meta), (_, l64, s64, _) = runs[torch.float32], runs[torch.float64]
        check_same_names(f'step {k} loss terms', l32, ours_losses[k])
        check_same_names(f'step {k} state', s32, ours_after)
        for key in ('step', 'optimizers', 'generators'):
            if json.loads(meta[key]) != json.loads(ours_meta.get(key, 'null')):
                raise UserError(f'step {k}: {key} differs: torch {meta[key]}, ours {ours_meta.get(key)}')
        for n, v in ours_losses[k].items():
            record(f'loss {n}', distance(v, l64[n]), distance(l32[n], l64[n]), f'step {k}')
        parameters = {n for n, _ in t32.model.named_parameters()}
        for n in s32:
            if n.endswith('num_batches_tracked'):
                if s32[n].item() != ours_after[n].item():
                    raise UserError(f'step {k}: {n} is {s32[n].item()} in torch, {ours_after[n].item()} in ours')
                continue
            kind = f"Adam {n.rsplit('.', 1)[1]}" if n.startswith('optim.') else \
                'parameter update' if n in parameters else 'running statistics'
            origin = ours_before[n] if n in parameters else None
            record(kind, distance(ours_after[n], s64[n], origin), distance(s32[n], s64[n], origin), f'step {k} {n}')

    failures = []
    for kind, (e_ours, e_torch, where) in sorted(worst.items()):
        limit = LIMITS['loss' if kind.startswith('loss ') else kind]
        ok = e_ours <= limit
        label = f'{kind} ({where})'
        print(f"  {label:<62} {e_ours:9.2e} {e_torch:9.2e} {limit:7.0e}  {'ok' if ok else 'DIFFERS'}")
        failures.append(None if ok else f'{kind}: {e_ours:.2e} > {limit:.0e} ({where})')
    free_run(a, reference, ours_losses)
    finish(failures, 'step-check')


def check_same_names(what: str, torch_side: dict, ours: dict) -> None:
    if names := sorted(torch_side.keys() ^ ours.keys()):
        raise UserError(f'{what}: names only one side has: {", ".join(names[:5])}')


def free_run(a: argparse.Namespace, reference: dict[str, Tensor], ours_losses: list[dict[str, Tensor]]) -> None:
    """All the steps in PyTorch from our first state, as a run continued in PyTorch would go: how far it drifts from
    ours (float32 rounding grows step by step in a GAN), and --save writes where it ends as one of our checkpoints."""
    t = load_checkpoint(a.states[0])
    print(f'  run on in PyTorch from {a.states[0]}, largest loss difference relative to ours:')
    for k, ours in enumerate(ours_losses):
        losses = t.step(reference[f'step.{k}.images'], reference[f'step.{k}.eps'])
        label, value = max(((n, distance(losses[n], v)) for n, v in ours.items()), key=lambda x: x[1])
        print(f'    step {k}: {value:.1e} ({label})')
    tensors, metadata = checkpoint_tensors(t)
    ours_after, _ = read_safetensors(a.states[-1])
    drift = max((tensors[n] - ours_after[n]).abs().max().item() for n, _ in t.model.named_parameters())
    drift /= t.model.config.lr
    print(f'    parameters after {len(ours_losses)} step(s) differ from ours by up to {drift:.1e} lr')
    if a.save:
        write_safetensors(a.save, tensors, metadata)
        print(f'    written as our checkpoint: {a.save}')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest='command', required=True)
    p = sub.add_parser('time', help='time the training step; one JSON line on stdout')
    for name, default in [('image-size', 64), ('width', 16), ('latent-channels', 32), ('batch', 16), ('steps', 10),
                          ('warmup', 2), ('threads', 2)]:
        p.add_argument(f'--{name}', type=int, default=default)
    p.set_defaults(run=time_steps)
    p = sub.add_parser('check', help="compare reconstruction, attention, score and map with ours")
    p.add_argument('--checkpoint', required=True, help='our checkpoint (safetensors)')
    p.add_argument('--reference', required=True, help="bench/torch-check.ts's inputs and outputs")
    p.set_defaults(run=check)
    p = sub.add_parser('step-check', help='one training step from each of our states; compare with ours')
    p.add_argument('--states', nargs='+', required=True,
                   help='our checkpoints before step 0, 1, ..., and after the last step')
    p.add_argument('--reference', required=True, help="bench/torch-check.ts's batches, noise and losses")
    p.add_argument('--save', help="write PyTorch's state after running all the steps on as one of our checkpoints")
    p.set_defaults(run=step_check)
    args = parser.parse_args()
    try:
        args.run(args)
    except UserError as e:
        print(f'torch_cavga.py {args.command}: {e}', file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    main()
