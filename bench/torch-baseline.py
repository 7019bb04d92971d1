# Baseline for the mixed-folder benchmark (bench, Python): a plain torchvision + PIL classification script, as a user would write it.
# Usage: python3 torch-baseline.py FOLDER THREADS. Random-weight ResNet-50 (torchvision's resnet50(), nothing
# downloaded): the same architecture and cost as Skiptag's synthesised ResNet-50. Prints one line per photo.
import os
import sys
import time

started = time.time()
import torch  # noqa: E402
import torchvision  # noqa: E402
from PIL import Image  # noqa: E402
from torchvision import transforms  # noqa: E402

folder, threads = sys.argv[1], int(sys.argv[2])
torch.set_num_threads(threads)
model = torchvision.models.resnet50()
model.eval()
preprocess = transforms.Compose(
    [
        transforms.Resize(256),
        transforms.CenterCrop(224),
        transforms.ToTensor(),
        transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
    ]
)
files = sorted(
    os.path.join(folder, name)
    for name in os.listdir(folder)
    if name.lower().endswith((".jpg", ".jpeg", ".png", ".webp"))
)
batch = 8
with torch.inference_mode():
    for i in range(0, len(files), batch):
        chunk = files[i : i + batch]
        tensors = torch.stack([preprocess(Image.open(f).convert("RGB")) for f in chunk])
        scores, classes = model(tensors).softmax(dim=1).topk(5)
        for f, s, c in zip(chunk, scores.tolist(), classes.tolist()):
            print(f, c[0], round(s[0], 6), flush=True)
print(f"{len(files)} photos in {time.time() - started:.2f} s (torch {torch.__version__})", file=sys.stderr)
