/**
 * The datasets `msat datasets get` downloads: the publishers' own archives, with the byte size and SHA-256 each
 * must have. The sizes and digests are those TensorFlow Datasets records for the same URLs
 * (github.com/tensorflow/datasets, `tensorflow_datasets/url_checksums/<dataset>.txt`: cifar10, cifar100,
 * imdb_reviews, speech_commands, fashion_mnist), so a second project vouches for every value here.
 */

/** One file to download: a `.tar.gz` is extracted, a `.gz` (an IDX file) is decompressed. */
export interface DatasetArchive {
  readonly url: string;
  readonly size: number;
  /** Lower-case hex. */
  readonly sha256: string;
}

export interface DownloadableDataset {
  /** The `--data` shortcut and the folder name under `<cache>/datasets/`. */
  readonly name: string;
  readonly description: string;
  /** The msat format that reads the installed folder (see `openDataset`). */
  readonly format: string;
  /** Which splits the installed folder has, for `msat datasets list`. */
  readonly splits: string;
  readonly archives: readonly DatasetArchive[];
}

const FASHION_MNIST_BASE = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com';

export const DOWNLOADABLE_DATASETS: readonly DownloadableDataset[] = [
  {
    name: 'cifar10',
    description: 'CIFAR-10, binary version (Krizhevsky 2009)',
    format: 'cifar-binary',
    splits: 'train, test',
    archives: [
      // url_checksums/cifar10.txt
      {
        url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
        size: 170052171,
        sha256: 'c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd',
      },
    ],
  },
  {
    name: 'cifar100',
    description: 'CIFAR-100, binary version (fine labels)',
    format: 'cifar-binary',
    splits: 'train, test',
    archives: [
      // url_checksums/cifar100.txt
      {
        url: 'https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz',
        size: 168513733,
        sha256: '58a81ae192c23a4be8b1804d68e518ed807d710a4eb253b1f2a199162a40d8ec',
      },
    ],
  },
  {
    name: 'imdb',
    description: 'IMDB Large Movie Review dataset, aclImdb v1 (Maas et al. 2011)',
    format: 'imdb',
    splits: 'train, test',
    archives: [
      // url_checksums/imdb_reviews.txt
      {
        url: 'http://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz',
        size: 84125825,
        sha256: 'c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe',
      },
    ],
  },
  {
    // The official v0.02 TEST set: WAV clips already in the 12 task classes (`_unknown_`, `_silence_`), which
    // the speech-commands-wav format reads. The whole dataset is `speech-commands-full` below.
    name: 'speech-commands',
    description: 'Google Speech Commands v0.02, official test set (WAV, 12 classes)',
    format: 'speech-commands-wav',
    splits: 'test',
    archives: [
      // url_checksums/speech_commands.txt
      {
        url: 'http://download.tensorflow.org/data/speech_commands_test_set_v0.02.tar.gz',
        size: 112563277,
        sha256: 'cc2a00c1147c2254e9be3fa0f779d8c17421dc349b86366567a8edfa9acd51df',
      },
    ],
  },
  {
    // The whole v0.02 dataset (35 word folders, `_background_noise_/`, validation_list.txt, testing_list.txt),
    // which the speech-commands-full format reads as the 12-class task with train, validation and test splits.
    name: 'speech-commands-full',
    description: 'Google Speech Commands v0.02, full archive (WAV, 35 words + background noise) as 12 classes',
    format: 'speech-commands-full',
    splits: 'train, validation, test',
    archives: [
      // url_checksums/speech_commands.txt
      {
        url: 'http://download.tensorflow.org/data/speech_commands_v0.02.tar.gz',
        size: 2428923189,
        sha256: 'af14739ee7dc311471de98f5f9d2c9191b18aedfe957f4a6ff791c709868ff58',
      },
    ],
  },
  {
    name: 'fashion-mnist',
    description: 'Fashion-MNIST (Zalando Research), IDX files',
    format: 'idx',
    splits: 'train, test',
    // url_checksums/fashion_mnist.txt; the same files as github.com/zalandoresearch/fashion-mnist/data/fashion
    archives: [
      {
        url: `${FASHION_MNIST_BASE}/train-images-idx3-ubyte.gz`,
        size: 26421880,
        sha256: '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84',
      },
      {
        url: `${FASHION_MNIST_BASE}/train-labels-idx1-ubyte.gz`,
        size: 29515,
        sha256: 'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845',
      },
      {
        url: `${FASHION_MNIST_BASE}/t10k-images-idx3-ubyte.gz`,
        size: 4422102,
        sha256: '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073',
      },
      {
        url: `${FASHION_MNIST_BASE}/t10k-labels-idx1-ubyte.gz`,
        size: 5148,
        sha256: '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5',
      },
    ],
  },
];

/** The file name an archive is saved under: the last segment of its URL. */
export function archiveFileName(archive: DatasetArchive): string {
  return new URL(archive.url).pathname.split('/').pop()!;
}

/** The catalog entry called `name` (case-insensitive), or `undefined`. */
export function findDownloadableDataset(name: string): DownloadableDataset | undefined {
  const key = name.toLowerCase();
  return DOWNLOADABLE_DATASETS.find((d) => d.name === key);
}
