import sys

from symconv.cli import main

sys.exit(main())
