"""The ticket screens: the list's model, the detail pane, the new ticket and resolve
dialogs, the timeline."""
