"""Entry point of the demo app: proves its dependencies are installed and working."""
import platform
import sys

import fastsum
import tinyweb


def main():
    print(tinyweb.render("shop 2.3.0 is running", ["python %s" % platform.python_version(), "on %s" % sys.platform]))
    print("fastsum (%s): sum of squares below 1000 = %d" % (fastsum.IMPLEMENTATION, fastsum.sum_squares(1000)))
    if sys.platform == "win32":
        import winshim
        print("winshim console:", winshim.CONSOLE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
