"""Writes ImageNet-size ResNet-18 and VGG-16 (torchvision's layouts, 224x224 RGB in, 1000 classes out) with random
weights as ONNX, for bench/scaling.bench.ts, which times them: the simulator's speed does not depend on the weights.
torchvision is not needed (Debian's python3-torch and python3-onnx are). The files are large (VGG-16: 553 MB), so
they are made on demand into a git-ignored folder:

    /usr/bin/python3 scripts/export-imagenet-nets.py .cache/bench-models [resnet18] [vgg16]

VGG-16 leaves out torchvision's AdaptiveAvgPool2d((7, 7)), the identity at 224x224, and Dropout (gone at inference).
"""
import os
import sys

import torch
from torch import nn


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return self.relu(y + (x if self.down is None else self.down(x)))


def resnet18():
    layers = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1)]
    cin = 64
    for cout, stride in [(64, 1), (128, 2), (256, 2), (512, 2)]:
        layers += [BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)]
        cin = cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, 1000)]
    return nn.Sequential(*layers)


def vgg16():
    layers, cin = [], 3
    for v in [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(cin, v, 3, padding=1), nn.ReLU()]
            cin = v
    layers += [nn.Flatten(), nn.Linear(512 * 7 * 7, 4096), nn.ReLU(), nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, 1000)]
    return nn.Sequential(*layers)


def randomize_batch_norms(model, gen):
    # running statistics other than (0, 1), so that batch-norm folding has something to fold
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.num_features, generator=gen) * 0.1)
            m.running_var.copy_(torch.rand(m.num_features, generator=gen) + 0.5)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else ".cache/bench-models"
    names = sys.argv[2:] or ["resnet18", "vgg16"]
    os.makedirs(out, exist_ok=True)
    for name in names:
        torch.manual_seed(0)
        model = {"resnet18": resnet18, "vgg16": vgg16}[name]()
        randomize_batch_norms(model, torch.Generator().manual_seed(1))
        model.eval()
        path = os.path.join(out, f"{name}-imagenet.onnx")
        torch.onnx.export(
            model, torch.zeros(1, 3, 224, 224), path, opset_version=13,
            input_names=["input"], output_names=["logits"], dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
        )
        print(f"wrote {path} ({os.path.getsize(path) / 2**20:.0f} MiB)")


if __name__ == "__main__":
    with torch.no_grad():
        main()
