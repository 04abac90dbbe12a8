"""PyTorch's DCGAN tutorial (pytorch.org/tutorials/beginner/dcgan_faces_tutorial.html),
scaled down to 16x16 images, ported by renaming ``torch`` to ``ag``: the same weights, noise
and images give PyTorch's losses and updated weights, step after step."""

import numpy as np
import pytest

import autograd_core as ag
import nn
import optim

torch = pytest.importorskip("torch")

NZ, NGF, NDF, NC = 8, 4, 4, 1


def networks(lib):
    netG = lib.Sequential(
        lib.ConvTranspose2d(NZ, NGF * 2, 4, 1, 0, bias=False), lib.BatchNorm2d(NGF * 2),
        lib.ReLU(True),
        lib.ConvTranspose2d(NGF * 2, NGF, 4, 2, 1, bias=False), lib.BatchNorm2d(NGF),
        lib.ReLU(True),
        lib.ConvTranspose2d(NGF, NC, 4, 2, 1, bias=False), lib.Tanh())
    netD = lib.Sequential(
        lib.Conv2d(NC, NDF, 4, 2, 1, bias=False), lib.LeakyReLU(0.2, inplace=True),
        lib.Conv2d(NDF, NDF * 2, 4, 2, 1, bias=False), lib.BatchNorm2d(NDF * 2),
        lib.LeakyReLU(0.2, inplace=True),
        lib.Conv2d(NDF * 2, 1, 4, 1, 0, bias=False), lib.Sigmoid())
    return netG, netD


def train(lib, optim_lib, netG, netD, images, noises):
    """The tutorial's inner loop, written once for both libraries."""
    criterion = lib.BCELoss()
    optimizerD = optim_lib.Adam(netD.parameters(), lr=0.0002, betas=(0.5, 0.999))
    optimizerG = optim_lib.Adam(netG.parameters(), lr=0.0002, betas=(0.5, 0.999))
    real_label, fake_label = 1.0, 0.0
    tensors = ag if lib is nn else torch
    losses = []
    for real_cpu, noise in zip(images, noises):
        netD.zero_grad()
        b_size = real_cpu.size(0)
        label = tensors.full((b_size,), real_label, dtype=tensors.float32)
        output = netD(real_cpu).view(-1)
        errD_real = criterion(output, label)
        errD_real.backward()
        fake = netG(noise)
        label.fill_(fake_label)
        output = netD(fake.detach()).view(-1)
        errD_fake = criterion(output, label)
        errD_fake.backward()
        errD = errD_real + errD_fake
        optimizerD.step()
        netG.zero_grad()
        label.fill_(real_label)
        output = netD(fake).view(-1)
        errG = criterion(output, label)
        errG.backward()
        optimizerG.step()
        losses.append((errD.item(), errG.item(), output.mean().item()))
    return losses


def test_dcgan_training_steps_match_pytorch():
    torch.manual_seed(0)
    tG, tD = networks(torch.nn)
    oG, oD = networks(nn)
    for ours, theirs in ((oG, tG), (oD, tD)):
        ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(0)
    images = [rng.uniform(-1, 1, (16, NC, 16, 16)).astype(np.float32) for _ in range(4)]
    noises = [rng.normal(size=(16, NZ, 1, 1)).astype(np.float32) for _ in range(4)]
    theirs = train(torch.nn, torch.optim, tG, tD, [torch.tensor(a) for a in images],
                   [torch.tensor(a) for a in noises])
    ours = train(nn, optim, oG, oD, [ag.tensor(a) for a in images],
                 [ag.tensor(a) for a in noises])
    np.testing.assert_allclose(ours, theirs, rtol=2e-4, atol=2e-5)
    for mine, torchs in ((oG, tG), (oD, tD)):
        state = torchs.state_dict()
        for name, value in mine.state_dict().items():
            np.testing.assert_allclose(value, state[name].detach().numpy(), rtol=2e-3,
                                       atol=2e-5, err_msg=name)
