from plantrail.cli import main

main()
