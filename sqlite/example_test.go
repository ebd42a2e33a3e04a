package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/sqlite"
)

func ExampleOpen() {
	dir, err := os.MkdirTemp("", "gatehouse")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(dir, "tasks.db"), sqlite.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()

	in := gatehouse.TaskInput{Title: "  Water the plants "}
	if err := in.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	task, err := store.CreateTask(ctx, "user-1", in)
	if err != nil {
		fmt.Println(err)
		return
	}
	task, err = store.ToggleTask(ctx, "user-1", task.ID)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%q completed: %t\n", task.Title, task.Completed)

	_, err = store.FindTask(ctx, "user-2", task.ID)
	fmt.Println(err)
	// Output:
	// "Water the plants" completed: true
	// gatehouse: task not found
}
